"""Settings come from the environment; production refuses to start on guesses."""

from __future__ import annotations

from pathlib import Path

import pytest

from config import ConfigurationError, DevelopmentConfig, ProductionConfig, load_config


def test_production_refuses_to_start_without_a_secret_or_a_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://root@127.0.0.1/test")
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        ProductionConfig()
    monkeypatch.setenv("SECRET_KEY", "s" * 64)
    monkeypatch.delenv("DATABASE_URL")
    with pytest.raises(ConfigurationError, match="DATABASE_URL"):
        ProductionConfig()
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://root@127.0.0.1/test")
    config = ProductionConfig()
    assert config.SESSION_COOKIE_SECURE is True


def test_development_generates_and_keeps_its_secret_and_uses_sqlite(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("PARLEY_INSTANCE_PATH", str(tmp_path))
    first, second = DevelopmentConfig(), DevelopmentConfig()
    assert first.SECRET_KEY == second.SECRET_KEY and len(first.SECRET_KEY) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert first.DATABASE_URL == f"sqlite:///{tmp_path / 'parley.db'}"


def test_the_environment_chooses_the_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARLEY_ENV", "testing")
    monkeypatch.setenv("SOCKETIO_MESSAGE_QUEUE", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("RATELIMIT_ENABLED", "false")
    config = load_config()
    assert config.ENV_NAME == "testing" and config.SOCKETIO_MESSAGE_QUEUE == "redis://127.0.0.1:6379/0"
    assert config.RATELIMIT_ENABLED is False
    monkeypatch.setenv("PARLEY_ENV", "staging")
    with pytest.raises(ConfigurationError, match="PARLEY_ENV"):
        load_config()
