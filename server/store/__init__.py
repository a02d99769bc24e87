"""Persistence: SQLAlchemy models, the event log, projections and migrations."""
