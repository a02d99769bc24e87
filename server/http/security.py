"""Security headers on every response: CSP with frame-ancestors, nosniff, a referrer policy, no framing.

Set after the view, so every page family, API answer and error page gets them without knowing about them.
Cookie flags (Secure, HttpOnly, SameSite) are Flask settings read from the configuration (``config.settings``).
"""

from __future__ import annotations

from flask import Flask, Response


def init_security_headers(app: Flask) -> None:
    """Add the configured security headers to every response of ``app``."""
    if not app.config.get("SECURITY_HEADERS_ENABLED", True):
        return
    policy = str(app.config.get("CONTENT_SECURITY_POLICY", "default-src 'self'; frame-ancestors 'none'"))
    referrer = str(app.config.get("REFERRER_POLICY", "strict-origin-when-cross-origin"))
    secure_transport = bool(app.config.get("SESSION_COOKIE_SECURE"))

    @app.after_request
    def _security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", policy)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", referrer)
        # For browsers that predate CSP's frame-ancestors.
        headers.setdefault("X-Frame-Options", "DENY")
        if secure_transport:
            # Only where the deployment already insists on HTTPS: HSTS on a plain-HTTP site would lock users out.
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response
