"""The application factory."""

from __future__ import annotations

import functools
import logging
from pathlib import Path

from flask import Flask, request
from flask import session as flask_session
from flask_login import current_user
from flask_socketio import SocketIO
from werkzeug.middleware.proxy_fix import ProxyFix

from akn import validation as akn_validation
from config import BaseConfig, load_config
from server import evented
from server.extensions import csrf, login_manager
from server.http.amendments import amendments_api
from server.http.api import api
from server.http.consultation import CITIZEN_WRITES, register_consultation
from server.http.context import BROWSER_SESSION, SESSION_GENERATION, SessionUser, bearer_token, database
from server.http.converters import IdConverter
from server.http.cors import init_cors
from server.http.errors import register_error_handlers
from server.http.health import health
from server.http.i18n import init_i18n
from server.http.intake import init_intake
from server.http.json_bodies import init_json_bodies
from server.http.openapi import register_opendata
from server.http.pages import pages, register_pages
from server.http.resolver import resolver
from server.http.security import init_security_headers
from server.http.sign_in_limits import limit_sign_in
from server.realtime import broadcast, limits, revocation, transport
from server.realtime.namespace import ParleyNamespace
from server.services import accounts
from server.store import migrate
from server.store.db import Database

FRONTEND = Path(__file__).resolve().parent.parent / "frontend"


def create_app(config: BaseConfig | None = None, *, check_migrations: bool = True) -> Flask:
    """Build a Parley application from ``config`` (default: the environment's)."""
    settings = config or load_config()
    app = Flask(
        "parley",
        template_folder=str(FRONTEND / "templates"),
        static_folder=str(FRONTEND / "static"),
        instance_path=str(settings.INSTANCE_PATH),
    )
    app.config.update(settings.as_dict())
    app.url_map.converters["int"] = IdConverter
    init_json_bodies(app)
    logging.basicConfig(level=logging.INFO)
    # The limiter notes every refused request at INFO: a flood of posts would become a flood of log lines, each
    # written while the posts that are let through wait. A 429 is the expected answer there, not news.
    logging.getLogger("flask-limiter").setLevel(logging.WARNING)

    accounts.configure_password_hashing(
        time_cost=settings.PASSWORD_HASH_TIME_COST, memory_cost_kib=settings.PASSWORD_HASH_MEMORY_KIB
    )
    db = Database(settings.DATABASE_URL)
    if check_migrations:
        migrate.require_up_to_date(db.engine)
    app.extensions["parley.db"] = db
    akn_validation.prepare()

    # One SocketIO per application, so several apps (tests, two databases) can live in one process.
    socketio = SocketIO(
        app,
        async_mode=evented.async_mode(),
        # The manager Flask-SocketIO would make for SOCKETIO_MESSAGE_QUEUE, which also reads the signal to
        # disconnect an account's sockets wherever they are (see server.realtime.revocation).
        client_manager=revocation.client_manager(settings.SOCKETIO_MESSAGE_QUEUE, settings.SOCKETIO_CHANNEL),
        cors_allowed_origins=settings.ALLOWED_ORIGINS,
        # Above every message the handlers take, however encoded, so an oversize field gets an error ack, not a
        # dropped message; still a hard bound.
        max_http_buffer_size=limits.transport_bytes(settings.MAX_SOCKET_MESSAGE_BYTES),
        json=None,
    )
    broadcaster = broadcast.Broadcaster(db.sessions)
    broadcaster.subscribe(broadcast.socketio_publisher(socketio, db))
    # After the commit, as every broadcast: a password change rolled back ends no one's connection.
    broadcaster.subscribe(revocation.revocation_publisher(socketio))
    app.extensions["parley.broadcaster"] = broadcaster
    namespace = ParleyNamespace("/", edit_rate=settings.EDIT_RATE_PER_SECOND)
    socketio.on_namespace(namespace)
    revocation.on_recheck(socketio, functools.partial(namespace.sign_out_ended, app))

    _init_login(app)
    csrf.init_app(app)
    register_error_handlers(app)
    app.register_blueprint(health)
    app.register_blueprint(api)
    app.register_blueprint(pages)
    app.register_blueprint(resolver)
    app.register_blueprint(amendments_api)
    register_consultation(app)
    init_intake(app, CITIZEN_WRITES)
    register_pages(app)
    limit_sign_in(app)
    register_opendata(app)
    init_i18n(app)
    init_security_headers(app)
    init_cors(app)
    if evented.is_evented():
        app.wsgi_app = transport.WholeFrames(app.wsgi_app)  # type: ignore[method-assign]
    hops = int(app.config.get("PROXY_HOPS", 0))
    if hops:
        # Outermost, so Socket.IO and the rate limits see the client's address as well as Flask does.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_port=hops)  # type: ignore[method-assign]
    return app


def _init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "pages.login"
    login_manager.session_protection = "strong"

    @login_manager.user_loader  # type: ignore[untyped-decorator]
    def _load_user(user_id: str) -> SessionUser | None:
        if not user_id.isdigit():
            return None
        # A session signed out, or signed in before the account's password last changed, is over (see Credential).
        generation = flask_session.get(SESSION_GENERATION, 0)
        with database().read() as session:
            principal = accounts.principal_for_session(session, int(user_id), generation,
                                                       flask_session.get(BROWSER_SESSION))
        return SessionUser(principal) if principal else None

    @app.before_request
    def _csrf_for_browser_writes() -> None:
        # CSRF abuses an ambient credential: the session cookie. Bearer-token calls carry none, and an API call
        # without any sign-in has no authority to borrow; browser forms and signed-in sessions are protected.
        if request.method not in {"POST", "PUT", "PATCH", "DELETE"} or bearer_token() is not None:
            return
        if request.routing_exception is not None:
            # No route takes this write (a POST to /akn/..., a path that does not exist): nothing is written, and
            # the answer is the 405 or 404 it is, not "this form has expired".
            return
        if current_user.is_authenticated or not request.path.startswith("/api/"):
            csrf.protect()
