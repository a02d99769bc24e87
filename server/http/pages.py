"""HTML pages shared by every page family: home, sign-in, sign-up, sign-out, and how pages fail.

The other families live beside this module (``pages_reader``, ``pages_drafting``, ``pages_amendments``,
``pages_consultation``); :func:`register_pages` binds them all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_user, logout_user

from server.errors import EmailTaken, ParleyError, SignUpDisowned, Unauthenticated, ValidationFailed
from server.http.api import request_reset_mail
from server.http.consultation import account_key, send_sign_up_mail, send_verification_mail
from server.http.context import (
    BROWSER_SESSION,
    SESSION_GENERATION,
    SessionUser,
    address_key,
    cookie_user_id,
    current_principal,
    database,
)
from server.http.i18n import SESSION_KEY, current_language
from server.http.pages_amendments import amendment_pages
from server.http.pages_common import page, page_error, require_page_role
from server.http.pages_consultation import consultation_pages, moderation_rows_blueprint
from server.http.pages_drafting import drafting_pages
from server.http.pages_reader import reader_pages
from server.services import accounts, bills, password_resets, registration
from server.services import consultation as consultations
from server.store import eventlog

pages = Blueprint("pages", __name__)


@pages.get("/")
def home() -> ResponseReturnValue:
    now = eventlog.utcnow()
    with database().read() as db_session:
        summaries = [bills.bill_summary(db_session, b) for b in bills.list_bills(db_session)]
        open_consultations = []
        for summary in summaries:
            for consultation in consultations.consultations_of(db_session, summary["id"]):
                described = consultations.consultation_dict(consultation, now)
                if described["state"] == "open":
                    open_consultations.append(described | {"title": summary["title"]})
    return page("home.html", bills=summaries, consultations=open_consultations)


def _safe_next(target: str) -> str:
    """A place on this site to go after signing in: a path, nothing a browser could read as another host."""
    # Browsers (and werkzeug building the Location header) drop tabs and line breaks: "/\t/evil.example"
    # would become "//evil.example". Anything but printable characters, or a path that names a host, goes home.
    parts = urlsplit(target)
    if (not target.startswith("/") or target.startswith(("//", "/\\")) or parts.scheme or parts.netloc
            or any(not c.isprintable() or c.isspace() for c in target)):
        return url_for("pages.home")
    return target


@pages.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    error = None
    if request.method == "POST":
        username = request.form.get("username", "")
        password = request.form.get("password", "")
        try:
            with database().write() as db_session:
                principal = accounts.authenticate(db_session, username, password)
                generation = accounts.session_generation(db_session, principal.user_id)
                key = accounts.begin_browser_session(db_session, principal.user_id)
        except Unauthenticated as refused:
            error = refused.message
        else:
            # A fresh session at sign-in: nothing set before (by anyone) survives into the signed-in session,
            # except the interface language the visitor chose.
            language = session.get(SESSION_KEY)
            # Signing in as someone else without signing out first ends the session that was.
            _end_browser_session()
            session.clear()
            if language:
                session[SESSION_KEY] = language
            login_user(SessionUser(principal))
            session[BROWSER_SESSION] = key
            session[SESSION_GENERATION] = generation
            return redirect(_safe_next(request.args.get("next", "")))
    return page("login.html", 401 if error else 200, error=error, principal=None)


def _end_browser_session() -> None:
    """End the browser session this request's cookie carries, on the server: the cookie alone is not enough, a copy
    of it or another tab's live connection would go on. From the cookie itself, whether or not its user loads (a
    suspended account's does not, and a reinstatement would bring the session back)."""
    user_id, key = cookie_user_id(), session.get(BROWSER_SESSION)
    if user_id is not None and key:
        with database().write() as db_session:
            accounts.end_browser_session(db_session, user_id, key)


@pages.post("/logout")
def logout() -> ResponseReturnValue:
    language = session.get(SESSION_KEY)
    _end_browser_session()
    logout_user()
    session.clear()
    if language:
        session[SESSION_KEY] = language
    return redirect(url_for("pages.home"))


@pages.route("/register", methods=["GET", "POST"])
def register() -> ResponseReturnValue:
    """Citizens sign up here; they may comment once they confirm their address."""
    error: str | None = None
    form = {"username": "", "email": "", "display_name": ""}
    if request.method == "POST":
        form = {key: request.form.get(key, "").strip() for key in form}
        password = request.form.get("password", "")
        try:
            with database().write() as db_session:
                signed = registration.sign_up(
                    db_session, username=form["username"], email=form["email"], password=password,
                    display_name=form["display_name"] or None,
                    ttl_hours=int(current_app.config.get("VERIFICATION_TTL_HOURS", 48)), language=current_language(),
                    reserved_words=current_app.config.get("RESERVED_DISPLAY_NAME_WORDS", ()),
                )
        except ParleyError as refused:
            error = refused.message
        else:
            # The account is committed; a mail server that fails must not turn sign-up into an error page. The
            # page is the same when the address had an account already (its owner is mailed instead).
            sent = send_sign_up_mail(signed)
            return page("registered.html", address=signed.address, sent=sent)
    return page("register.html", 422 if error else 200, error=error, form=form)


@pages.get("/verify")
def verify() -> ResponseReturnValue:
    # Opening the link only asks: mail scanners and link previews fetch every link in a message, and a GET that
    # verified would confirm whoever signed up with someone else's address before its owner had read the mail.
    return page("verified.html", error=None, username=None, token=_code(request.args), next=_next_kept(request.args))


@pages.post("/verify")
def confirm_address() -> ResponseReturnValue:
    token, after = _code(request.form), _next_kept(request.form)
    if not token:
        return page("verified.html", 400, error=_("enter the code from the confirmation email"), username=None,
                    token="", next=after)
    try:
        with database().write() as db_session:
            user = registration.verify(db_session, token)
            username = user.username
    except ParleyError as refused:
        # Another mail cannot help an address another account confirmed first.
        return page("verified.html", 400, error=refused.message, username=None, token="", next=after,
                    resend=refused.code != EmailTaken.code)
    return page("verified.html", error=None, username=username, token="", next=after)


@pages.route("/verify/again", methods=["GET", "POST"])
def verify_again() -> ResponseReturnValue:
    """A citizen whose confirmation mail never came, or whose link expired, asks for another."""
    principal = require_page_role(current_principal(), "citizen")
    after = _next_kept(request.values)
    if request.method == "GET":
        with database().read() as db_session:
            disowned = registration.is_disowned(db_session, principal.user_id)
        # A cancelled sign-up has no address to mail: the page says what happened rather than offer a button.
        error = registration.disowned_refusal().message if disowned else None
        return page("verify_again.html", error=error, sent=None, next=after, disowned=disowned)
    try:
        with database().write() as db_session:
            address, token = registration.resend(db_session, principal,
                                                 ttl_hours=int(current_app.config.get("VERIFICATION_TTL_HOURS", 48)))
    except ParleyError as refused:
        return page("verify_again.html", refused.status, error=refused.message, sent=None, next=after,
                    disowned=refused.code == SignUpDisowned.code)
    sent = send_verification_mail(address, token, principal.user_id)
    return page("verify_again.html", error=None, sent=sent, address=address, next=after)


@pages.get("/verify/not-me")
def not_me() -> ResponseReturnValue:
    # As /verify: the link in the mail only asks, so a scanner opening it cancels nobody's sign-up.
    return page("not_me.html", error=None, done=False, token=_code(request.args))


@pages.post("/verify/not-me")
def disown_sign_up() -> ResponseReturnValue:
    token = _code(request.form)
    if not token:
        return page("not_me.html", 400, error=_("enter the code from the confirmation email"), done=False, token="")
    try:
        with database().write() as db_session:
            registration.disown(db_session, token)
    except ParleyError as refused:
        return page("not_me.html", refused.status, error=refused.message, done=False, token="")
    return page("not_me.html", error=None, done=True, token="")


def _new_password(values: Mapping[str, str]) -> str:
    # Typed twice, so a slip of the finger does not lock its owner out of the account.
    new = values.get("new_password", "")
    if new != values.get("new_password_again", ""):
        raise ValidationFailed(_("The two new passwords differ; type the same one twice."))
    return new


@pages.route("/account/password", methods=["GET", "POST"])
def change_password() -> ResponseReturnValue:
    principal = require_page_role(current_principal())
    if request.method == "GET":
        return page("change_password.html", error=None, done=False)
    try:
        new = _new_password(request.form)
        with database().write() as db_session:
            generation = accounts.change_password(db_session, principal, request.form.get("current_password", ""),
                                                  new)
    except ParleyError as refused:
        return page("change_password.html", refused.status, error=refused.message, done=False)
    # Every other session of the account has ended; this one carries on under the new generation.
    session[SESSION_GENERATION] = generation
    return page("change_password.html", error=None, done=True)


@pages.route("/password/forgotten", methods=["GET", "POST"])
def forgotten_password() -> ResponseReturnValue:
    if request.method == "GET":
        return page("forgotten_password.html", sent=False)
    request_reset_mail(request.form.get("email", ""))
    # The same page whatever the address: it must not tell whether an account has it.
    return page("forgotten_password.html", sent=True)


@pages.get("/password/reset")
def reset_form() -> ResponseReturnValue:
    # Opening the link only shows the form: mail scanners open every link, and the token must survive them.
    return page("reset_password.html", error=None, done=False, token=_code(request.args))


@pages.post("/password/reset")
def reset_password() -> ResponseReturnValue:
    token = _code(request.form)
    try:
        new = _new_password(request.form)
        with database().write() as db_session:
            password_resets.reset_password(db_session, token, new)
    except ParleyError as refused:
        return page("reset_password.html", refused.status, error=refused.message, done=False, token=token)
    return page("reset_password.html", error=None, done=True, token="")


def _code(values: Mapping[str, str]) -> str:
    # The mail offers its code to paste here as well as the link: a pasted code may carry spaces around it.
    return values.get("token", "").strip()


# The pages of signing in, signing up, confirming an address and resetting a password: signing in never leads
# back to them, and their addresses may carry a code from a mail, which a link must not pass on.
_SIGN_IN_ENDPOINTS = frozenset(f"{pages.name}.{view}" for view in (
    "login", "register", "verify", "confirm_address", "verify_again", "not_me", "disown_sign_up",
    "forgotten_password", "reset_form", "reset_password",
))


def sign_in_url() -> str:
    """The header's Sign-in link: back to this page once signed in; from a page of signing in, up or confirming,
    to where that page itself was going (its ``next``, kept as it is rather than nested), else home."""
    if request.endpoint in _SIGN_IN_ENDPOINTS:
        after = _next_kept(request.values)
    else:
        after = request.full_path.rstrip("?")
    return url_for("pages.login", next=after) if after else url_for("pages.login")


@pages.app_context_processor
def _sign_in_link() -> dict[str, Callable[[], str]]:
    return {"sign_in_url": sign_in_url}


def _next_kept(values: Mapping[str, str]) -> str | None:
    """Where the reader was going, passed on to the sign-in link as /login would take it; one that could lead off
    the site is dropped rather than turned into a link home."""
    wanted = values.get("next", "")
    return wanted if wanted and _safe_next(wanted) == wanted else None


def register_pages(app: Flask) -> None:
    """Register every page family but ``pages`` itself, which the application factory registers.

    The sign-up form and the buttons that confirm or disown an address, or ask for another confirmation mail, draw
    on the same per-address budget as ``POST /api/citizens`` (call this after ``register_consultation``, which
    binds the limiter).
    """
    for blueprint in (reader_pages, drafting_pages, amendment_pages, consultation_pages, moderation_rows_blueprint):
        app.register_blueprint(blueprint)
    limiters = app.extensions.get("limiter") or set()
    # Confirming and disowning draw on the same budget as their API forms (POST /api/citizens/verification...).
    for endpoint in (f"{pages.name}.register", f"{pages.name}.confirm_address", f"{pages.name}.disown_sign_up",
                     f"{pages.name}.verify_again"):
        for limiter in limiters:
            view = app.view_functions[endpoint]
            app.view_functions[endpoint] = limiter.shared_limit(
                str(app.config["SIGNUP_LIMIT_PER_ADDRESS"]), scope="signup-address",
                key_func=address_key,
                exempt_when=lambda: request.method != "POST",
            )(view)
    # Another confirmation mail: the account's budget is the API's (POST /api/citizens/verification/resend).
    for limiter in limiters:
        app.view_functions[f"{pages.name}.verify_again"] = limiter.shared_limit(
            str(app.config["VERIFICATION_RESEND_LIMIT_PER_ACCOUNT"]), scope="resend-account", key_func=account_key,
            exempt_when=lambda: request.method != "POST",
        )(app.view_functions[f"{pages.name}.verify_again"])


pages.register_error_handler(ParleyError, page_error)
