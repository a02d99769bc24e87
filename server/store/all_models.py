"""Imports every module that defines models, so Alembic and rebuilds see the whole schema.

A feature that adds a models module adds one import line here.
"""

from server.store import models

__all__ = ["models"]
