"""Imports every module that defines models, so Alembic and rebuilds see the whole schema.

A feature that adds a models module adds one import line here.
"""

import server.store.audit_models
import server.store.consultation_models
import server.store.opendata_models
import server.store.pdf_models  # noqa: F401
from server.store import amendment_models, models

__all__ = ["amendment_models", "models"]
