"""`parley akn ...`: validate, export, render and compare AKN files from the command line.

`akn_group` is a click group that the `parley` console script mounts; each command is a thin wrapper
around a plain function of this module, which returns data rather than printing.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

import click
from lxml import etree

from akn.errors import AknError
from akn.parsing import parse_akn
from akn.redline import redline, redline_akn, redline_html
from akn.render import render, to_text
from akn.validation import schema_problems

__all__ = ["FileProblem", "akn_group", "compare_files", "export_file", "render_file", "validate_files"]


@dataclass(frozen=True)
class FileProblem:
    """One reason a file is not a valid AKN 3.0 document."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}" if self.line else f"{self.path}: {self.message}"


def _load(path: Path) -> etree._Element:
    return parse_akn(path.read_bytes()).getroot()


def validate_files(paths: list[Path]) -> list[FileProblem]:
    """Every problem of every file (unreadable, unsafe, not AKN 3.0, or schema errors); empty when all valid."""
    problems: list[FileProblem] = []
    for path in paths:
        try:
            root = _load(path)
        except OSError as exc:
            problems.append(FileProblem(str(path), None, f"cannot read the file: {exc.strerror}"))
            continue
        except AknError as exc:
            problems.append(FileProblem(str(path), getattr(exc, "line", None), exc.message))
            continue
        problems.extend(FileProblem(str(path), problem.line, problem.message)
                        for problem in schema_problems(root))
    return problems


def export_file(path: Path) -> bytes:
    """The document's canonical bytes (C14N), so that equal documents export byte for byte equal."""
    # C14N 1.0 rather than 2.0: lxml's C14N 2.0 escapes `>` inside comments, so it is not idempotent.
    return etree.tostring(_load(path).getroottree(), method="c14n")


def render_file(path: Path, *, text: bool = False) -> str:
    """The document as an HTML fragment, or as plain text."""
    root = _load(path)
    return to_text(root) if text else render(root)


def compare_files(old: Path, new: Path, *, output: str = "json") -> str:
    """The redline from `old` to `new` as JSON, HTML or AKN XML."""
    old_root, new_root = _load(old), _load(new)
    if output == "html":
        return redline_html(old_root, new_root)
    if output == "akn":
        return etree.tostring(redline_akn(old_root, new_root), encoding="unicode")
    return json.dumps(redline(old_root, new_root), ensure_ascii=False, indent=2)


def _fail(exc: AknError | OSError) -> click.ClickException:
    message = exc.message if isinstance(exc, AknError) else f"cannot read the file: {exc}"
    return click.ClickException(message)


_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.group("akn")
def akn_group() -> None:
    """Work with Akoma Ntoso files."""


@akn_group.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
def validate_command(files: tuple[Path, ...]) -> None:
    """Check FILES against the strict AKN 3.0 schema; exit 1 if any is invalid."""
    problems = validate_files(list(files))
    for problem in problems:
        click.echo(str(problem), err=True)
    bad = {problem.path for problem in problems}
    for path in files:
        if str(path) not in bad:
            click.echo(f"{path}: valid")
    sys.exit(1 if problems else 0)


@akn_group.command("export")
@click.argument("file", type=_FILE)
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the canonical XML ('-' for standard output).")
def export_command(file: Path, out: Path) -> None:
    """Write FILE's canonical XML to --out."""
    try:
        data = export_file(file)
    except (AknError, OSError) as exc:
        raise _fail(exc) from None
    if str(out) == "-":
        sys.stdout.buffer.write(data)
    else:
        out.write_bytes(data)


@akn_group.command("render")
@click.argument("file", type=_FILE)
@click.option("--text", is_flag=True, help="Plain text instead of HTML.")
def render_command(file: Path, text: bool) -> None:
    """Print FILE as HTML (or plain text)."""
    try:
        click.echo(render_file(file, text=text))
    except (AknError, OSError) as exc:
        raise _fail(exc) from None


@akn_group.command("compare")
@click.argument("old", type=_FILE)
@click.argument("new", type=_FILE)
@click.option("--format", "output", type=click.Choice(["json", "html", "akn"]), default="json",
              show_default=True)
def compare_command(old: Path, new: Path, output: str) -> None:
    """Print the redline from OLD to NEW."""
    try:
        click.echo(compare_files(old, new, output=output))
    except (AknError, OSError) as exc:
        raise _fail(exc) from None
