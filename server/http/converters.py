"""URL converters shared by every blueprint."""

from __future__ import annotations

from werkzeug.routing import IntegerConverter

# Ids are stored as 32- or 64-bit integers; a larger number in a URL names nothing, so it is a 404 like any
# other unknown id rather than an overflow inside the database driver.
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<int:...>`` bounded to what the database can hold."""

    def __init__(self, map: object, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)  # type: ignore[arg-type]
