"""Events and rules; no Flask, no SQLAlchemy, no I/O."""
