"""Imports run one way: akn, config ← domain ← store ← services ← http, realtime ← app factory."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# package → top-level names it must never import
RULES: dict[str, tuple[str, ...]] = {
    "server/domain": ("flask", "flask_socketio", "flask_login", "sqlalchemy", "werkzeug", "requests",
                      "server.store", "server.services", "server.http", "server.realtime", "server.app", "config"),
    "server/store": ("flask", "flask_socketio", "server.services", "server.http", "server.realtime", "server.app"),
    "server/services": ("flask", "flask_socketio", "server.http", "server.realtime", "server.app"),
    "config": ("server", "akn", "flask", "sqlalchemy"),
}


def _imports(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


@pytest.mark.parametrize("package", sorted(RULES))
def test_a_layer_never_imports_the_layers_above_it(package: str) -> None:
    forbidden = RULES[package]
    offenders = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for name in _imports(path):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == []
