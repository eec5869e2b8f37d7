"""The data model of each document kind: the variables its template may use, with a Chinese
description and an example (served at `GET /api/v1/document-templates/{kind}/schema`; the examples
are also the data of the preview render that checks an uploaded template).

One module a kind (`KIND`, `VARIABLES`, `BLOCKS` — the `::kind` names its template may write
beside #, ##, ###, tables and paragraphs —, `DOCX` — whether Word templates are taken — and
`VARIANTS` of the example data a preview must also render); the tables below are generated from
them. The report-worker builds the same variables from the database (`report_worker.templating`);
a test holds the two to the same names.
"""

from types import ModuleType
from typing import Any

from ..filters import NUMBERING_STYLES
from . import (
    closure_form,
    closure_notice,
    dispatch_summary,
    escalation_notice,
    indicators,
    issue_progress,
    ledger,
    petition_notice,
    petition_table,
    progress_report,
)
from .common import Variable

_KINDS: tuple[ModuleType, ...] = (
    closure_notice,
    closure_form,
    petition_notice,
    petition_table,
    progress_report,
    issue_progress,
    ledger,
    indicators,
    escalation_notice,
    dispatch_summary,
)
SCHEMAS: dict[str, list[Variable]] = {m.KIND: m.VARIABLES for m in _KINDS}
BLOCK_KINDS: dict[str, frozenset[str]] = {m.KIND: m.BLOCKS for m in _KINDS}
EXAMPLE_VARIANTS: dict[str, list[dict[str, Any]]] = {m.KIND: m.VARIANTS for m in _KINDS}
#: the kinds whose template may be a Word file (docxtpl)
DOCX_KINDS = frozenset(m.KIND for m in _KINDS if m.DOCX)

FILTER_DOCS = [
    {"name": "cn", "description": "中文数字：{{ 17 | cn }} → 十七；序号{{ 10 | cn }} → 序号十"},
    {"name": "cn_date", "description": "中文日期：{{ as_of | cn_date }} → 2025年12月29日"},
    {"name": "count", "description": "为零时消失的计数：{{ 3 | count('责令整改', '家') }} → 责令整改3家；0 → 空"},
    {"name": "aspects", "description": "方面计数：{{ aspect_count | aspects(figures.total) }} → 4个方面25项"},
    {
        "name": "number",
        "description": "编号样式：{{ 3 | number('（一）') }} → （三）；样式 " + " ".join(NUMBERING_STYLES),
    },
    {"name": "join_nonempty", "description": "只连接非空项：{{ [a, b] | join_nonempty('、') }}"},
]


def example_context(kind: str) -> dict[str, Any]:
    """The variables of a kind filled with their examples (nested by the dotted names)."""
    context: dict[str, Any] = {}
    for v in SCHEMAS[kind]:
        node = context
        *parents, leaf = v.name.split(".")
        for p in parents:
            if not isinstance(node.get(p), dict):
                node[p] = {}
            node = node[p]
        if isinstance(node.get(leaf), dict):
            continue
        node[leaf] = v.example
    return context


def example_contexts(kind: str) -> list[dict[str, Any]]:
    """The example data, and its variants (`VARIANTS`): what a preview render checks."""
    base = example_context(kind)
    return [base, *({**base, **changes} for changes in EXAMPLE_VARIANTS[kind])]


__all__ = [
    "BLOCK_KINDS",
    "DOCX_KINDS",
    "EXAMPLE_VARIANTS",
    "FILTER_DOCS",
    "SCHEMAS",
    "Variable",
    "example_context",
    "example_contexts",
]
