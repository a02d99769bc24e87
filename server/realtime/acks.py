"""Socket acks: ``{"ok": true, ...}`` or ``{"ok": false, "error": {"code", "message"}}``."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from server.domain.wording import wording
from server.errors import BadRequest, ParleyError
from server.http.i18n import localized

log = logging.getLogger(__name__)

Ack = dict[str, Any]


def ok(**fields: Any) -> Ack:
    return {"ok": True, **fields}


def refused(error: ParleyError) -> Ack:
    return {"ok": False, "error": {"code": error.code, "message": localized(error.message)}, **error.details}


def socket_handler(handler: Callable[..., Ack]) -> Callable[..., Ack]:
    """Turn a handler's ParleyError into a refused ack, and any other failure into an internal error."""

    @functools.wraps(handler)
    def wrapper(self: Any, data: Any = None) -> Ack:
        try:
            if data is not None and not isinstance(data, dict):
                raise BadRequest(wording("the message must be a JSON object"))
            return handler(self, data or {})
        except ParleyError as error:
            return refused(error)
        except Exception:
            log.exception("socket handler %s failed", handler.__name__)
            return {"ok": False, "error": {"code": "internal_error", "message": "the server failed"}}

    return wrapper
