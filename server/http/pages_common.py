"""What every page shares: rendering with the principal and the browser's strings, and failing as a page."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from server.domain.wording import Wording
from server.errors import Forbidden, ParleyError, Unauthenticated
from server.http.context import current_principal
from server.http.i18n import browser_strings, localized
from server.services.principal import Principal


def page(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    """Render a page with what every page shows: the signed-in principal and the browser's strings."""
    # A service's refusal handed over as text (``error=refused.message``) is shown in the reader's language.
    context = {key: localized(value) if isinstance(value, Wording) else value for key, value in context.items()}
    context.setdefault("principal", current_principal())
    context.setdefault("strings", browser_strings())
    return render_template(template, **context), status


def page_error(error: ParleyError) -> ResponseReturnValue:
    """A failed page: sign-in for anonymous visitors, else an explanation with the error's status."""
    if isinstance(error, Unauthenticated) and request.method == "GET":
        return redirect(url_for("pages.login", next=request.full_path.rstrip("?")))
    return page("error.html", error.status, error=error)


def require_page_role(principal: Principal | None, *roles: str) -> Principal:
    """The principal when signed in with one of ``roles`` (any role when none is given)."""
    if principal is None:
        raise Unauthenticated(_("Sign in to open this page."))
    if roles and principal.role.value not in roles:
        raise Forbidden(_("This page is for %(roles)s; you are signed in as %(role)s.",
                          roles=", ".join(_(role) for role in roles), role=_(principal.role.value)))
    return principal
