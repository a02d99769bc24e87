"""Configuration classes for development, testing and production.

Every value can be set from the environment so that one build runs embedded (SQLite, one process) or scaled
out (PostgreSQL, several processes joined by a Redis message queue) without code changes.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def _env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


class ConfigurationError(RuntimeError):
    """The environment does not describe a configuration that can run safely."""


class BaseConfig:
    """Values shared by every environment."""

    ENV_NAME = "base"
    INSTANCE_PATH = Path(os.environ.get("PARLEY_INSTANCE_PATH", PROJECT_ROOT / "instance"))
    DATABASE_URL: str = ""
    SOCKETIO_MESSAGE_QUEUE: str | None = None
    # Processes sharing a message queue talk on this channel; separate deployments on one Redis use their own.
    SOCKETIO_CHANNEL = "parley"
    SECRET_KEY: str = ""
    ALLOWED_ORIGINS: list[str] = []
    TESTING = False
    # Above this size an uploaded document is refused before it is parsed.
    MAX_CONTENT_LENGTH = 20 * 1024 * 1024
    MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    WTF_CSRF_CHECK_DEFAULT = False
    WTF_CSRF_TIME_LIMIT: int | None = None
    RATELIMIT_ENABLED = True
    DEFAULT_COUNTRY = "ke"
    DEFAULT_LANGUAGE = "eng"
    # Edits per second one user may make; messages larger than this are refused before parsing.
    EDIT_RATE_PER_SECOND = 20
    MAX_SOCKET_MESSAGE_BYTES = 64 * 1024
    MAX_PROVISION_CHARS = 100_000
    TOKEN_TTL_DAYS = 30
    # argon2id cost: the library's recommended defaults (RFC 9106 low-memory profile).
    PASSWORD_HASH_TIME_COST = 3
    PASSWORD_HASH_MEMORY_KIB = 65536
    # --- consultation (read from the environment when this module is imported) ---
    # Flask-Limiter storage; empty: the Redis of SOCKETIO_MESSAGE_QUEUE when there is one, else process memory.
    RATELIMIT_STORAGE_URI: str | None = os.environ.get("RATELIMIT_STORAGE_URI") or None
    RATELIMIT_STRATEGY = "moving-window"
    # Redis unreachable: each process keeps counting in its own memory (budgets per process until Redis is back)
    # rather than refusing every write it limits with a 500.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    # Namespaces the counters, so deployments (or test runs) sharing one Redis do not share budgets.
    RATELIMIT_KEY_PREFIX = os.environ.get("RATELIMIT_KEY_PREFIX", "parley")
    COMMENT_LIMIT_PER_ACCOUNT = os.environ.get("COMMENT_LIMIT_PER_ACCOUNT", "10/minute")
    COMMENT_LIMIT_PER_ADDRESS = os.environ.get("COMMENT_LIMIT_PER_ADDRESS", "600/minute")
    # Endorsements, flags and other small writes of one account.
    REACTION_LIMIT_PER_ACCOUNT = os.environ.get("REACTION_LIMIT_PER_ACCOUNT", "60/minute")
    SIGNUP_LIMIT_PER_ADDRESS = os.environ.get("SIGNUP_LIMIT_PER_ADDRESS", "20/hour")
    # Asking for another verification mail: per account, so nobody fills an inbox with them.
    VERIFICATION_RESEND_LIMIT_PER_ACCOUNT = os.environ.get("VERIFICATION_RESEND_LIMIT_PER_ACCOUNT", "3/hour")
    # Signing in (the /login form and POST /api/tokens): every attempt from one address, and the failed ones on
    # one account name from anywhere (guesses spread over many addresses still meet this one).
    SIGNIN_LIMIT_PER_ADDRESS = os.environ.get("SIGNIN_LIMIT_PER_ADDRESS", "60/minute")
    SIGNIN_FAILURES_PER_ACCOUNT = os.environ.get("SIGNIN_FAILURES_PER_ACCOUNT", "10/15 minutes")
    # Asking for a password-reset mail: every request from one network address, and the requests naming one
    # address from anywhere (so nobody can fill someone's mailbox with reset links).
    PASSWORD_RESET_LIMIT_PER_ADDRESS = os.environ.get("PASSWORD_RESET_LIMIT_PER_ADDRESS", "10/hour")
    PASSWORD_RESET_LIMIT_PER_EMAIL = os.environ.get("PASSWORD_RESET_LIMIT_PER_EMAIL", "3/hour")
    # Citizens' writes one process lets in at once (each from the door, before its token is looked up, to its
    # answer); more are answered 429 intake_busy with Retry-After, so a flood cannot stack up behind a long write
    # or a busy database, nor make those let in wait long on a busy event loop. The bound follows the pace of
    # the writes (as many as are answered within the target wait at the last second's pace), within MIN and MAX
    # (server/http/intake.py). Those waiting are committed together, up to COMMENT_INTAKE_BATCH in one transaction.
    COMMENT_INTAKE_MAX_PENDING = _env_int("COMMENT_INTAKE_MAX_PENDING", 128)
    COMMENT_INTAKE_MIN_PENDING = _env_int("COMMENT_INTAKE_MIN_PENDING", 16)
    COMMENT_INTAKE_TARGET_WAIT_MS = _env_int("COMMENT_INTAKE_TARGET_WAIT_MS", 100)
    COMMENT_INTAKE_BATCH = _env_int("COMMENT_INTAKE_BATCH", 64)
    COMMENT_EDIT_WINDOW_SECONDS = _env_int("COMMENT_EDIT_WINDOW_SECONDS", 15 * 60)
    ABUSE_LEXICON_LANGUAGES: list[str] = _env_list("ABUSE_LEXICON_LANGUAGES", ["en", "fr"])
    ABUSE_LEXICON_EXTRA: list[str] = _env_list("ABUSE_LEXICON_EXTRA", [])
    # New accounts (younger than this) posting this many comments within the window are held for a clerk.
    BURST_NEW_ACCOUNT_SECONDS = _env_int("BURST_NEW_ACCOUNT_SECONDS", 24 * 3600)
    BURST_WINDOW_SECONDS = _env_int("BURST_WINDOW_SECONDS", 10 * 60)
    BURST_MAX_POSTS = _env_int("BURST_MAX_POSTS", 5)
    CLUSTER_THRESHOLD = float(os.environ.get("CLUSTER_THRESHOLD", "0.5"))
    CAMPAIGN_MIN_SIZE = _env_int("CAMPAIGN_MIN_SIZE", 3)
    # "outbox" writes each message to INSTANCE_PATH/outbox; "smtp" sends through MAIL_SMTP_HOST:MAIL_SMTP_PORT.
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "outbox")
    MAIL_SMTP_HOST = os.environ.get("MAIL_SMTP_HOST", "127.0.0.1")
    MAIL_SMTP_PORT = _env_int("MAIL_SMTP_PORT", 25)
    MAIL_FROM = os.environ.get("MAIL_FROM", "Parley <no-reply@parley.invalid>")
    PUBLIC_URL = os.environ.get("PUBLIC_URL", "http://127.0.0.1:5000")
    VERIFICATION_TTL_HOURS = _env_int("VERIFICATION_TTL_HOURS", 48)
    # Words a citizen's display name may not hold (whole words; case and accents aside): a thread shows authors by
    # name only, and "Clerk of the National Assembly" would pass for the Parliament speaking. Comma-separated.
    RESERVED_DISPLAY_NAME_WORDS: list[str] = _env_list("RESERVED_DISPLAY_NAME_WORDS", [
        "clerk", "speaker", "moderator", "parliament", "national assembly", "senate", "official", "admin",
        "administrator",
        "greffier", "greffière", "modérateur", "modératrice", "parlement", "assemblée nationale", "sénat",
        "officiel", "officielle", "administrateur", "administratrice",
    ])
    # A reset link is as good as the password for this long, to whoever reads the mail: keep it short.
    PASSWORD_RESET_TTL_MINUTES = _env_int("PASSWORD_RESET_TTL_MINUTES", 60)

    def __init__(self) -> None:
        self.INSTANCE_PATH = Path(os.environ.get("PARLEY_INSTANCE_PATH", str(self.INSTANCE_PATH)))
        self.DATABASE_URL = os.environ.get("DATABASE_URL") or self.default_database_url()
        self.SOCKETIO_MESSAGE_QUEUE = os.environ.get("SOCKETIO_MESSAGE_QUEUE") or None
        self.SOCKETIO_CHANNEL = os.environ.get("SOCKETIO_CHANNEL", self.SOCKETIO_CHANNEL)
        self.ALLOWED_ORIGINS = _env_list("ALLOWED_ORIGINS", self.default_origins())
        self.RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", self.RATELIMIT_ENABLED)
        self.RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = _env_bool("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED",
                                                              self.RATELIMIT_IN_MEMORY_FALLBACK_ENABLED)
        self.EDIT_RATE_PER_SECOND = _env_int("EDIT_RATE_PER_SECOND", self.EDIT_RATE_PER_SECOND)
        self.MAX_PROVISION_CHARS = _env_int("MAX_PROVISION_CHARS", self.MAX_PROVISION_CHARS)
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or self.default_secret_key()

    def default_database_url(self) -> str:
        return f"sqlite:///{self.INSTANCE_PATH / 'parley.db'}"

    def default_origins(self) -> list[str]:
        port = os.environ.get("PORT", "5000")
        return [f"http://127.0.0.1:{port}", f"http://localhost:{port}"]

    def default_secret_key(self) -> str:
        raise ConfigurationError("SECRET_KEY must be set in the environment")

    def as_dict(self) -> dict[str, Any]:
        """Every upper-case setting, for ``app.config.update``."""
        names = {name for klass in type(self).__mro__ for name in vars(klass) if name.isupper()}
        return {name: getattr(self, name) for name in names}


class DevelopmentConfig(BaseConfig):
    """Embedded setup for one machine: SQLite file and a generated secret kept in ``instance/``."""

    ENV_NAME = "development"

    def default_secret_key(self) -> str:
        # A generated key kept on disk survives restarts, so sessions and tokens stay valid in development.
        path = self.INSTANCE_PATH / "secret_key"
        if path.exists():
            return path.read_text().strip()
        self.INSTANCE_PATH.mkdir(parents=True, exist_ok=True)
        key = secrets.token_hex(32)
        path.write_text(key)
        path.chmod(0o600)
        return key


class TestingConfig(BaseConfig):
    """Isolated settings for the test suite; the database URL is normally given by the fixture."""

    ENV_NAME = "testing"
    TESTING = True
    # Thousands of accounts are made by the suite; the cost of a hash is not what it tests.
    PASSWORD_HASH_TIME_COST = 1
    PASSWORD_HASH_MEMORY_KIB = 1024

    def default_secret_key(self) -> str:
        return secrets.token_hex(32)


class ProductionConfig(BaseConfig):
    """Refuses to start without an explicit secret and database."""

    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True

    def default_database_url(self) -> str:
        raise ConfigurationError("DATABASE_URL must be set in production")


_CONFIGS: dict[str, type[BaseConfig]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def load_config(name: str | None = None) -> BaseConfig:
    """Build the configuration named by ``name`` or ``PARLEY_ENV`` (default: development)."""
    chosen = name or os.environ.get("PARLEY_ENV", "development")
    try:
        klass = _CONFIGS[chosen]
    except KeyError:
        raise ConfigurationError(
            f"PARLEY_ENV must be one of {sorted(_CONFIGS)}, found {chosen!r}"
        ) from None
    return klass()


# --- web interface ---------------------------------------------------------------------------------------
# The interface languages (Flask-Babel locales); BABEL_DEFAULT_LOCALE is the one for browsers that state none.
setattr(BaseConfig, "LANGUAGES", ["en", "fr"])  # noqa: B010 - appended like the other blocks
setattr(BaseConfig, "BABEL_DEFAULT_LOCALE", "en")  # noqa: B010

# --- hardening: audit signing key, security headers, cookie flags -----------------------------------------
# Set with setattr so each block stays appended on its own; BaseConfig.as_dict picks every upper-case name up.
_HARDENING: dict[str, Any] = {
    # The Ed25519 key that signs chain checkpoints and manifests: PEM, or the hex of the raw 32-byte seed.
    # Without it the key is read from, or created once in, AUDIT_KEY_PATH (default: instance/audit_ed25519.pem).
    "AUDIT_KEY": os.environ.get("PARLEY_AUDIT_KEY") or None,
    "AUDIT_KEY_PATH": os.environ.get("PARLEY_AUDIT_KEY_PATH") or None,
    "SECURITY_HEADERS_ENABLED": _env_bool("SECURITY_HEADERS_ENABLED", True),
    # Pages load scripts, styles and sockets from their own origin only, and may not be framed by anyone.
    "CONTENT_SECURITY_POLICY": os.environ.get(
        "CONTENT_SECURITY_POLICY",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
        "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
    ),
    "REFERRER_POLICY": os.environ.get("REFERRER_POLICY", "strict-origin-when-cross-origin"),
    # HTTPS deployments (TLS at nginx) set SESSION_COOKIE_SECURE=true so cookies never travel in clear.
    "SESSION_COOKIE_SECURE": _env_bool("SESSION_COOKIE_SECURE", False),
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_SECURE": _env_bool("SESSION_COOKIE_SECURE", False),
}
for _name, _value in _HARDENING.items():
    setattr(BaseConfig, _name, _value)
# Production refuses clear-text cookies unless explicitly told it sits behind plain HTTP.
for _name in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
    setattr(ProductionConfig, _name, _env_bool("SESSION_COOKIE_SECURE", True))

# --- open data: webhooks, feeds and notifications -----------------------------------------------------------
_OPEN_DATA_SETTINGS: dict[str, Any] = {
    # Webhooks may call internal, loopback or private addresses only when this is true (tests, closed networks).
    "WEBHOOKS_ALLOW_PRIVATE": _env_bool("WEBHOOKS_ALLOW_PRIVATE", False),
    "WEBHOOK_FIRST_RETRY_SECONDS": float(os.environ.get("WEBHOOK_FIRST_RETRY_SECONDS", "30")),
    "WEBHOOK_MAX_ATTEMPTS": _env_int("WEBHOOK_MAX_ATTEMPTS", 8),
    "WEBHOOK_TIMEOUT_SECONDS": float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", "10")),
    # Entries of the site-wide and per-bill Atom feeds.
    "FEED_ENTRIES": _env_int("FEED_ENTRIES", 50),
}
for _name, _value in _OPEN_DATA_SETTINGS.items():
    setattr(BaseConfig, _name, _value)

# --- open data: mail notifications --------------------------------------------------------------------------
_NOTIFICATION_SETTINGS: dict[str, Any] = {
    # A daily subscription gets its next digest only once this many hours passed since its last one, so a daily
    # `parley notifications send --digest` that runs late or twice never sends two digests in one day.
    "NOTIFICATION_DIGEST_HOURS": float(os.environ.get("NOTIFICATION_DIGEST_HOURS", "20")),
}
for _name, _value in _NOTIFICATION_SETTINGS.items():
    setattr(BaseConfig, _name, _value)

# --- deployment behind a reverse proxy ----------------------------------------------------------------------
# How many reverse proxies stand in front of each process and set X-Forwarded-For, -Proto and -Port (nginx in
# deploy/nginx.conf: 1). Their values then become the client's address, scheme and port, so rate limits key on
# the citizen rather than the proxy. 0 ignores the headers: any client could forge them.
setattr(BaseConfig, "PROXY_HOPS", _env_int("PROXY_HOPS", 0))  # noqa: B010 - appended like the other blocks
