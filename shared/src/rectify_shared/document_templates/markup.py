"""The text a document template renders to, read back as blocks.

One block a line; the data a template prints can never make a block of its own, because every
printed value is fenced (`finalize`) and only the template's own text is read as markup:

    # 标题                      title
    ## 一、整改任务             heading
    ### （一）加强组织领导      subheading
    ::signature 锡林郭勒盟…     any block kind by name (masthead, rule, mark, signature, date, label, …)
    | 整改任务 | 责任单位 |     a table: its first row is the header (`|---|` rows are skipped)
    任何其他文字                a paragraph

A line that prints nothing (a zero `count`, an empty field) is dropped. A printed value keeps its
line breaks inside its block (a table cell, a paragraph).
"""

import re
from dataclasses import dataclass, field
from typing import Any

#: the fence around each printed value (Unicode private-use characters, removed from the data)
OPEN, CLOSE = "\ue000", "\ue001"
_SEGMENTS = re.compile(f"({OPEN}.*?{CLOSE})", re.S)
_KIND = re.compile(r"^::([a-z_]+)[ \t]*")
_SEPARATOR_CELL = re.compile(r"^:?-{3,}:?$")


class TemplateProblem(ValueError):
    """A template that cannot render: the message and, when known, the template's line."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass(frozen=True)
class Piece:
    kind: str
    text: str = ""
    headers: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = field(default_factory=tuple)


def fence(value: Any) -> str:
    """How a printed value enters the text: fenced, never None."""
    if value is None:
        return ""
    text = str(value).replace(OPEN, "").replace(CLOSE, "")
    return f"{OPEN}{text}{CLOSE}" if text else ""


Segment = tuple[str, bool]  # (text, printed by the data)


def _lines(rendered: str) -> list[list[Segment]]:
    lines: list[list[Segment]] = [[]]
    for part in _SEGMENTS.split(rendered):
        if not part:
            continue
        if part.startswith(OPEN):
            lines[-1].append((part[1:-1], True))
            continue
        first, *rest = part.split("\n")
        if first:
            lines[-1].append((first, False))
        for piece in rest:
            lines.append([(piece, False)] if piece else [])
    return lines


def _text(segments: list[Segment]) -> str:
    """The line's text, with the template's own spaces at either end removed (never the data's)."""
    segs = list(segments)
    if segs and not segs[0][1]:
        segs[0] = (segs[0][0].lstrip(), False)
    if segs and not segs[-1][1]:
        segs[-1] = (segs[-1][0].rstrip(), False)
    return "".join(text for text, _ in segs)


def _cells(segments: list[Segment]) -> list[str]:
    cells: list[list[Segment]] = [[]]
    for text, data in segments:
        if data:
            cells[-1].append((text, True))
            continue
        first, *rest = text.split("|")
        cells[-1].append((first, False))
        for piece in rest:
            cells.append([(piece, False)])
    out = [_text(c).strip() if not any(d for _, d in c) else _text(c) for c in cells]
    # "| a | b |": the empty ends outside the first and last bar
    if out and out[0] == "":
        out = out[1:]
    if out and out[-1] == "" and not any(d for _, d in cells[-1]):
        out = out[:-1]
    return out


def parse(rendered: str, kinds: frozenset[str] | None = None) -> list[Piece]:
    """The blocks of a rendered template; `kinds` limits the `::kind` names a document knows."""
    pieces: list[Piece] = []
    table: list[list[str]] | None = None

    def close_table() -> None:
        nonlocal table
        if table:
            pieces.append(Piece("table", headers=tuple(table[0]), rows=tuple(tuple(r) for r in table[1:])))
        table = None

    for segments in _lines(rendered):
        lead = segments[0][0].lstrip() if segments and not segments[0][1] else ""
        if lead.startswith("|"):
            cells = _cells(segments)
            if cells and all(_SEPARATOR_CELL.match(c) for c in cells):
                continue
            if table and len(cells) != len(table[0]):
                raise TemplateProblem(
                    f"a table row has {len(cells)} cells, its header {len(table[0])} / 表格行的列数与表头不符"
                )
            table = (table or []) + [cells]
            continue
        close_table()
        text = _text(segments)
        if not text.strip():
            continue
        kind = "para"
        if lead.startswith("###"):
            kind, text = "subheading", text.lstrip()[3:].lstrip()
        elif lead.startswith("##"):
            kind, text = "heading", text.lstrip()[2:].lstrip()
        elif lead.startswith("#"):
            kind, text = "title", text.lstrip()[1:].lstrip()
        elif (match := _KIND.match(lead)) is not None:
            kind = match.group(1)
            text = text.lstrip()[match.end() :]
            if kinds is not None and kind not in kinds:
                known = " ".join(f"::{k}" for k in sorted(kinds))
                raise TemplateProblem(f"unknown block ::{kind} (known: {known}) / 未知的段落类型 ::{kind}")
        if kind != "para" and not text and kind not in _EMPTY_KINDS:
            continue  # a heading whose value was empty
        pieces.append(Piece(kind, text))
    close_table()
    return pieces


#: blocks that print no text
_EMPTY_KINDS = frozenset({"rule", "sections", "attachment"})
