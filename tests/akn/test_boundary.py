"""The boundary of akn/: no I/O beyond the bytes it is given, never server/config/flask/sqlalchemy."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import akn

AKN_DIR = Path(akn.__file__).resolve().parent
FORBIDDEN = ("server", "config", "flask", "sqlalchemy", "flask_socketio", "werkzeug", "requests", "socket")
# The standard library loads `socket` for its own reasons; what matters at run time is the application.
NOT_LOADED = ("server", "config", "flask", "sqlalchemy", "flask_socketio", "werkzeug", "requests")


def test_no_module_of_akn_imports_the_application_or_network_layers() -> None:
    offenders = []
    for path in sorted(AKN_DIR.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in FORBIDDEN]
    assert offenders == []


def test_importing_akn_loads_none_of_them() -> None:
    code = (
        "import sys, akn, akn.document, akn.inline, akn.validation\n"
        f"bad = [m for m in sys.modules if m.split('.')[0] in {NOT_LOADED!r}]\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=AKN_DIR.parent)
    assert result.stdout.strip() == ""


def test_public_api_is_explicit() -> None:
    for name in akn.__all__:
        assert hasattr(akn, name), name
    expected = {"parse_xml", "AknDocument", "Problem", "FrbrUri", "Provision", "new_bill", "AknError",
                "UnsafeXmlError", "XmlSyntaxError", "NotAknError", "SchemaInvalidError", "DocumentTooLargeError",
                "ProvisionNotFoundError"}
    assert expected <= set(akn.__all__)


def test_every_error_has_its_own_code() -> None:
    from akn import errors

    classes = [getattr(errors, name) for name in errors.__all__]
    codes = [cls.code for cls in classes]
    assert len(set(codes)) == len(codes)
    assert all(code.islower() and " " not in code for code in codes)
