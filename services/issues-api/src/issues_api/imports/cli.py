"""`rectify import FILE --round N [--apply]`: the same two steps as the API, the preview as a table."""

import argparse
import asyncio
import sys
import unicodedata
from datetime import date
from pathlib import Path
from typing import Any

from rectify_shared import data_keys
from rectify_shared.settings import load_settings

_ACTION = {"create": "新建", "update": "更新", "unchanged": "不变"}


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _cut(text: str, width: int) -> str:
    out, used = "", 0
    for c in text:
        w = 2 if unicodedata.east_asian_width(c) in "WF" else 1
        if used + w > width:
            return out[:-1] + "…" if out else ""
        out, used = out + c, used + w
    return out


def table(headers: list[str], rows: list[list[str]], widths: list[int]) -> str:
    def line(cells: list[str]) -> str:
        parts = []
        for cell, w in zip(cells, widths, strict=True):
            text = _cut(cell, w)
            parts.append(text + " " * (w - _width(text)))
        return " │ ".join(parts).rstrip()

    rule = "─┼─".join("─" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])


def preview_table(preview: dict[str, Any]) -> str:
    rows = []
    for r in preview["rows"]:
        d = r["deadline"] or {}
        deadline = f"{d.get('text')} → {d.get('deadline') or '无'}" if d else ""
        orgs = "、".join((o["org"] or {}).get("name", f"？{o['text']}") for o in r["orgs"] if o["role"] != "measure")
        changes = "; ".join(f"{c['field']}: {c['old']} → {c['new']}" for c in r["changes"])
        changes += "".join(f" 措施{m['position']}改" for m in r["measure_changes"])
        rows.append(
            [
                str(r["seq"]),
                f"{r['sheet']}!{r['row']}",
                _ACTION[r["action"]],
                r["status"] or "",
                deadline,
                str(r["measures"]),
                orgs,
                changes,
            ]
        )
    out = [
        table(
            ["序号", "位置", "动作", "状态", "整改时限", "措施", "牵头/责任单位", "变更"],
            rows,
            [4, 12, 4, 19, 34, 4, 30, 40],
        )
    ]
    c = preview["counts"]
    out.append(f"\n新建 {c['create']} · 更新 {c['update']} · 不变 {c['unchanged']} · 措施 {preview['measures']}")
    for u in preview["unknown_orgs"]:
        hints = "、".join(f"{s['name']}（{s['id']}）" for s in u["suggestions"]) or "无相近单位"
        out.append(
            f"未匹配单位“{u['text']}”（第{'、'.join(map(str, u['rows']))}行）：可能是 {hints}；"
            f"用 --map '{u['text']}=ID' 指定"
        )
    if preview.get("document"):
        doc = preview["document"]
        out.append(f"文件：{doc.get('title') or ''} {doc.get('doc_no') or ''} {doc.get('issued_on') or ''}")
    return "\n".join(out)


def add_parser(sub: Any) -> None:
    p = sub.add_parser("import", help="bring a round in from the office's 台账 (.xlsx) or 整改方案 (.docx)")
    p.add_argument("file", type=Path)
    p.add_argument("--round", type=int, required=True, dest="round_id")
    p.add_argument("--apply", action="store_true", help="write it (default: preview only)")
    p.add_argument(
        "--map", action="append", default=[], metavar="TEXT=ORG_ID", help="a unit the preview could not match"
    )
    p.add_argument("--opened-on", type=date.fromisoformat, default=None)
    p.add_argument("--issued-on", type=date.fromisoformat, default=None)
    p.set_defaults(fn=command)


def mapping_of(pairs: list[str]) -> dict[str, int]:
    out = {}
    for pair in pairs:
        text, _, org_id = pair.rpartition("=")
        if not text or not org_id.isdigit():
            raise SystemExit(f"--map wants TEXT=ORG_ID, got {pair!r}")
        out[text] = int(org_id)
    return out


def command(args: argparse.Namespace) -> int:
    """Preview (and with --apply write) an office's 台账/整改方案 into a round, as the console operator."""
    from ..ops.operator import as_system

    settings = load_settings()
    data_keys.install_from(settings)  # the org tree's contacts are encrypted at rest (as `rectify`'s other commands)
    result: int = asyncio.run(as_system(settings, lambda session, principal: run(session, principal, args, settings)))
    return result


async def run(session: Any, principal: Any, args: argparse.Namespace, settings: Any) -> int:
    from ..core.errors import ApiError
    from .apply import apply_job
    from .preview import create_job
    from .router import limits_of

    data = args.file.read_bytes()
    step = "[1/2] 读取并预览" if args.apply else "[1/1] 读取并预览"
    print(f"{step} {args.file.name}（{len(data) / 1024:.0f} KB）…", file=sys.stderr)
    try:
        job = await create_job(
            session, principal, args.round_id, args.file.name, data, limits_of(settings), args.issued_on, args.opened_on
        )
        print(preview_table(job.preview or {}))
        if not args.apply:
            print(f"\n导入任务 {job.id} 已预览，未写入。确认导入：加 --apply", file=sys.stderr)
            return 0
        print("[2/2] 写入…", file=sys.stderr)
        assert job.id is not None
        job = await apply_job(session, principal, args.round_id, job.id, mapping_of(args.map))
    except ApiError as exc:
        print(f"{exc.message} / {exc.message_en}", file=sys.stderr)
        for d in exc.details or []:
            where = f"{d.get('sheet', '')}!{d.get('row', '')} {d.get('column') or ''}".strip()
            print(f"  {where} {d.get('value') or ''}: {d.get('reason')}", file=sys.stderr)
        raise SystemExit(1) from None
    r = job.result or {}
    print(
        f"\n已导入：新建 {r.get('created')} · 更新 {r.get('updated')} · 不变 {r.get('unchanged')}"
        f"（SHA-256 {job.sha256}）"
    )
    return 0
