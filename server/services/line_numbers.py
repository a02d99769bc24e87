"""Printed line numbers: after WeasyPrint has laid a bill out, number every printed line of its body.

CSS cannot number lines that exist only once text is broken into lines, so the print template gives every page a
margin box holding a column of numbers 1..N, and :func:`number_printed_lines` works on the laid-out pages before
they are drawn: number i moves onto the baseline of the page's i-th printed line of the body, and the numbers
past the page's last line are dropped. A provision that wraps over three lines so gets three numbers, level with
its lines, and numbering restarts on every page, as amendments cite it ("Page 2, line 14").

This reads and moves WeasyPrint's boxes (``Page._page_box``), which is not public API: WeasyPrint's version is
pinned in ``pyproject.toml``, and ``tests/server/test_pdf.py`` reads the numbers and lines back from the PDF.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import weasyprint
from weasyprint.formatting_structure import boxes

__all__ = ["LineNumberingError", "PrintedLine", "number_printed_lines", "printed_lines"]

# Boxes on one printed row overlap vertically (a floated provision number beside its text, table cells);
# consecutive lines only touch. CSS pixels.
_SAME_ROW_OVERLAP = 1.0


class LineNumberingError(RuntimeError):
    """A page has more printed lines than the template's column has numbers (the template must give more)."""


@dataclass
class PrintedLine:
    """One printed row of the body on a page, in CSS pixels from the top of the page."""

    top: float
    bottom: float
    baseline: float


def _has_text(box: boxes.Box) -> bool:
    if isinstance(box, boxes.TextBox):
        return bool(box.text.strip())
    if isinstance(box, boxes.ParentBox):
        return any(_has_text(child) for child in box.children)
    return False


def _line_boxes(box: boxes.Box) -> Iterator[boxes.LineBox]:
    if isinstance(box, boxes.LineBox):
        yield box
    elif isinstance(box, boxes.ParentBox):
        for child in box.children:
            yield from _line_boxes(child)


def _find_body(box: boxes.Box, body_class: str) -> boxes.Box | None:
    element = getattr(box, "element", None)
    if element is not None and body_class in (element.get("class") or "").split():
        return box
    if isinstance(box, boxes.ParentBox):
        for child in box.children:
            found = _find_body(child, body_class)
            if found is not None:
                return found
    return None


def printed_lines(page: weasyprint.Page, body_class: str) -> list[PrintedLine]:
    """The printed rows of the page's part of the element with class ``body_class``, top to bottom."""
    body = _find_body(page._page_box, body_class)
    if body is None:
        return []
    # Line boxes that hold only collapsed white space (beside a float, between blocks) print nothing.
    lines = sorted(
        (PrintedLine(line.position_y, line.position_y + line.height, line.position_y + line.baseline)
         for line in _line_boxes(body) if _has_text(line)),
        key=lambda line: (line.top, line.bottom),
    )
    rows: list[PrintedLine] = []
    for line in lines:
        if rows and line.top < rows[-1].bottom - _SAME_ROW_OVERLAP:
            row = rows[-1]
            # The row's baseline is that of its tallest line: the text, not a smaller marginal mark.
            if line.bottom - line.top > row.bottom - row.top:
                row.baseline = line.baseline
            row.bottom = max(row.bottom, line.bottom)
        else:
            rows.append(line)
    return rows


def _number_column(page: weasyprint.Page, margin_box: str) -> boxes.MarginBox | None:
    for child in page._page_box.children:
        if isinstance(child, boxes.MarginBox) and child.at_keyword == margin_box:
            return child
    return None


def number_printed_lines(
    document: weasyprint.Document, *, body_class: str = "provisions", margin_box: str = "@left-top"
) -> list[int]:
    """Put number i of each page's ``margin_box`` column level with the page's i-th printed body line.

    Returns how many lines each page numbered. Pages without a number column are left alone.
    """
    counts: list[int] = []
    for index, page in enumerate(document.pages, start=1):
        column = _number_column(page, margin_box)
        if column is None:
            counts.append(0)
            continue
        rows = printed_lines(page, body_class)
        numbers = [child for child in column.children if isinstance(child, boxes.LineBox)]
        if len(rows) > len(numbers):
            raise LineNumberingError(f"page {index} has {len(rows)} printed lines but {len(numbers)} numbers")
        for number, row in zip(numbers, rows, strict=False):
            number.translate(dy=row.baseline - (number.position_y + number.baseline))
        column.children = numbers[: len(rows)]
        counts.append(len(rows))
    return counts
