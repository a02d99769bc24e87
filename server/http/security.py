"""Security headers on every response: CSP with frame-ancestors, nosniff, a referrer policy, no framing.

Set after the view, so every page family, API answer and error page gets them without knowing about them.
Cookie flags (Secure, HttpOnly, SameSite) are Flask settings read from the configuration (``config.settings``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, Response


def security_headers(config: Mapping[str, Any]) -> dict[str, str]:
    """The headers every response of an application configured by ``config`` carries (none when disabled)."""
    if not config.get("SECURITY_HEADERS_ENABLED", True):
        return {}
    headers = {
        "Content-Security-Policy": str(config.get("CONTENT_SECURITY_POLICY",
                                                  "default-src 'self'; frame-ancestors 'none'")),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": str(config.get("REFERRER_POLICY", "strict-origin-when-cross-origin")),
        # For browsers that predate CSP's frame-ancestors.
        "X-Frame-Options": "DENY",
    }
    if config.get("SESSION_COOKIE_SECURE"):
        # Only where the deployment already insists on HTTPS: HSTS on a plain-HTTP site would lock users out.
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return headers


def init_security_headers(app: Flask) -> None:
    """Add the configured security headers to every response of ``app``."""
    headers = security_headers(app.config)
    if not headers:
        return

    @app.after_request
    def _security_headers(response: Response) -> Response:
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response
