"""What an import would do to a round: per problem create / update / unchanged, with the fields
that change, the orgs matched, the deadlines read. Pure: the file's rows and the ledger's state in,
a plan out (the preview shows it; apply writes it)."""

import hashlib
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from rectify_shared.enums import IssueStatus, MeasureStatus
from rectify_shared.models import Issue, Measure, Org

from .orgmatch import Match, OrgIndex
from .rows import CellError, ProblemRow


@dataclass
class Existing:
    issue: Issue
    lead_org_id: int
    responsible_ids: list[int]
    measures: list[Measure]  # live ones, by position
    progress: set[tuple[int | None, date | None, str]]  # (measure id, occurred_on, text)


@dataclass
class MeasurePlan:
    position: int
    seq: int | None
    text: str
    org: Org | None
    deadline: Any  # Deadline | None
    status: MeasureStatus | None
    existing: Measure | None
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)


@dataclass
class ProblemPlan:
    row: ProblemRow
    action: str  # "create" | "update" | "unchanged"
    lead: Org | None
    responsible: list[Org]
    existing: Existing | None
    measures: list[MeasurePlan]
    new_progress: list[tuple[date | None, str]]
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    matches: list[tuple[str, Match]] = field(default_factory=list)  # (role, match)
    notes: list[str] = field(default_factory=list)

    @property
    def status(self) -> IssueStatus | None:
        return IssueStatus(self.row.status) if self.row.status else None


def fingerprint(existing: dict[int, Existing]) -> str:
    """A digest of what a plan compares the file with: every live problem's and measure's compared
    fields and the progress lines. A preview keeps it; apply refuses when it has changed since."""
    digest = hashlib.sha256()
    for seq in sorted(existing):
        e = existing[seq]
        i = e.issue
        digest.update(
            repr(
                (
                    i.id, i.seq, i.display_no, i.category, i.description, i.goal, e.lead_org_id,
                    sorted(e.responsible_ids), i.deadline, i.deadline_text, i.long_term,
                    _leader_key(i.responsible_leader), str(i.status), i.on_schedule,
                    [(m.id, m.position, m.seq, m.text, m.responsible_org_id, m.deadline, m.deadline_text,
                      str(m.status)) for m in e.measures],
                    sorted(e.progress, key=repr),
                )
            ).encode()
        )  # fmt: skip
    return digest.hexdigest()


def reworded(kept: str | None, d: Any) -> tuple[str | None, str] | None:
    """(old, new) wording of a deadline whose date stays ("2025年12月底前" → "2025年12月31日前"),
    None when the wording is the same or the cell is a date with no wording of its own."""
    if d is None or not d.worded:
        return None
    written = d.text[:200] or None  # as apply keeps it (`apply._setting`)
    return (kept, written) if written is not None and written != kept else None


def _iso(v: Any) -> Any:
    return v.isoformat() if isinstance(v, date) else v


def _leader_key(leader: dict[str, Any] | None) -> tuple[str | None, str | None]:
    leader = leader or {}
    return leader.get("name"), leader.get("title")


def plan(
    rows: list[ProblemRow],
    columns: set[str],
    existing: dict[int, Existing],
    index: OrgIndex,
    mapping: dict[str, int],
    errors: list[CellError],
) -> list[ProblemPlan]:
    out: list[ProblemPlan] = []
    seen: dict[int, ProblemRow] = {}
    by_id = {e.issue.id: e for e in existing.values()}
    keys: set[int] = set()
    for row in rows:
        if row.seq in seen:
            first = seen[row.seq].where
            errors.append(
                CellError(
                    row.where.sheet,
                    row.where.row,
                    "序号",
                    str(row.seq),
                    f"与{first.sheet}第{first.row}行的问题序号重复",
                    f"same number as row {first.row} of {first.sheet}",
                )
            )
            continue
        seen[row.seq] = row
        old, keyed = _matched(row, existing, by_id, keys, errors)
        if old is False:
            continue
        matches: list[tuple[str, Match]] = []

        def resolve(texts: list[str], role: str, matches: list[tuple[str, Match]] = matches) -> list[Org]:
            found = []
            for t in texts:
                m = index.match(t, mapping)
                matches.append((role, m))
                if m.org is not None:
                    found.append(m.org)
            return found

        leads = resolve(row.lead, "lead")
        responsible = resolve(row.responsible, "responsible")
        lead = leads[0] if leads else (responsible[0] if responsible and "lead" not in columns else None)
        if old is None and lead is None and not any(m.org is None for _, m in matches):
            errors.append(CellError(row.where.sheet, row.where.row, "牵头单位", None, "缺少牵头单位", "no lead unit"))
        measures: list[MeasurePlan] = []
        old_measures = {m.id: m for m in old.measures} if old else {}
        for position, m in enumerate(row.measures, start=1):
            orgs = resolve(m.orgs, "measure") if m.orgs else []
            org = orgs[0] if orgs else None
            status = MeasureStatus(m.status) if m.status else None
            if keyed and m.key is not None:  # an exported ledger's row: matched by its key
                before = old_measures.pop(m.key, None)
                if before is None:
                    errors.append(_foreign_measure(m))
                    continue
            elif keyed:  # a row the office inserted into an exported ledger: a new measure
                before = None
            else:  # an office's own 台账: measures in order
                before = old.measures[position - 1] if old and position <= len(old.measures) else None
            mp = MeasurePlan(position, m.seq, m.text, org, m.deadline, status, before)
            if before is not None:
                if before.seq != m.seq:
                    mp.changes["seq"] = (before.seq, m.seq)
                if before.text != m.text:
                    mp.changes["text"] = (before.text, m.text)
                if "measure_orgs" in columns and org is not None and before.responsible_org_id != org.id:
                    mp.changes["responsible_org_id"] = (before.responsible_org_id, org.id)
                if "measure_deadline" in columns and m.deadline is not None:
                    if before.deadline != m.deadline.deadline:
                        mp.changes["deadline"] = (_iso(before.deadline), _iso(m.deadline.deadline))
                    elif (wording := reworded(before.deadline_text, m.deadline)) is not None:
                        mp.changes["deadline_text"] = wording
                if status is not None and MeasureStatus(before.status) != status:
                    mp.changes["status"] = (str(before.status), status.value)
            measures.append(mp)
        p = ProblemPlan(row, "create", lead, responsible, old, measures, list(row.progress), matches=matches)
        if old is not None:
            p.action = "update"
            _issue_changes(p, old, columns)
            p.new_progress = [(d, t) for d, t in row.progress if (None, d, t) not in old.progress]
            if p.new_progress:
                p.changes["progress"] = (None, len(p.new_progress))
            added = sum(1 for mp in measures if mp.existing is None)
            if added:
                p.changes["measures"] = (len(old.measures), len(old.measures) + added)
            if keyed and old_measures:  # rows deleted from the copy: the measures stay as they are
                p.notes.append(
                    f"{len(old_measures)}项措施不在文件中，保持不变 / "
                    f"{len(old_measures)} measure(s) not in the file are left as they are"
                )
            if not p.changes and not any(mp.changes for mp in measures):
                p.action = "unchanged"
        out.append(p)
    return out


def _matched(
    row: ProblemRow,
    existing: dict[int, Existing],
    by_id: dict[int | None, Existing],
    keys: set[int],
    errors: list[CellError],
) -> tuple[Any, bool]:
    """The ledger's problem a row updates (None: a new one; False: the row is in error), and whether
    the row came from an exported ledger (matched by its hidden key rather than its number)."""
    if row.key is None:
        return existing.get(row.seq), False
    if row.key in keys:
        errors.append(
            CellError(
                row.where.sheet,
                row.where.row,
                "问题键",
                f"issue:{row.key}",
                "同一问题出现两次（复制了导出台账的行？）",
                "the same problem appears twice (a copied row of the exported ledger?)",
            )
        )
        return False, True
    keys.add(row.key)
    old = by_id.get(row.key)
    if old is None:  # another round's export (or a withdrawn problem): read as the office's own 台账
        return existing.get(row.seq), False
    if old.issue.seq != row.seq:
        errors.append(
            CellError(
                row.where.sheet,
                row.where.row,
                "序号",
                str(row.seq),
                f"该行是第{old.issue.seq}号问题，序号不能在导入时修改",
                f"this row is problem {old.issue.seq}; a problem is not renumbered by an import",
            )
        )
        return False, True
    return old, True


def _foreign_measure(m: Any) -> CellError:
    return CellError(
        m.where.sheet,
        m.where.row,
        "措施键",
        f"measure:{m.key}",
        "该措施不属于本行的问题（整行移动到了其他问题下？）",
        "this measure belongs to another problem (a row moved under another problem?)",
    )


def _issue_changes(p: ProblemPlan, old: Existing, columns: set[str]) -> None:
    row, issue, c = p.row, old.issue, p.changes
    if row.category and issue.category != row.category:
        c["category"] = (issue.category, row.category)
    if issue.description != row.description:
        c["description"] = (issue.description, row.description)
    if "goal" in columns and (issue.goal or None) != (row.goal or None):
        c["goal"] = (issue.goal, row.goal)
    if row.display_no is not None and (issue.display_no or None) != (row.display_no or None):
        c["display_no"] = (issue.display_no, row.display_no or None)
    if p.lead is not None and old.lead_org_id != p.lead.id:
        c["lead_org_id"] = (old.lead_org_id, p.lead.id)
    pending = any(m.org is None for role, m in p.matches if role == "responsible")
    if "responsible" in columns and p.responsible and not pending:  # judged once every unit is matched
        new_ids = sorted({o.id for o in p.responsible if o.id is not None})
        if sorted(set(old.responsible_ids)) != new_ids:
            c["responsible_org_ids"] = (sorted(set(old.responsible_ids)), new_ids)
    if "deadline" in columns:
        d = row.deadline
        if (d.deadline if d else None) != issue.deadline:
            c["deadline"] = (_iso(issue.deadline), _iso(d.deadline if d else None))
        elif (wording := reworded(issue.deadline_text, d)) is not None:
            c["deadline_text"] = wording
        long_term = bool(d and d.long_term)
        if d is not None and long_term != bool(issue.long_term) and issue.status != IssueStatus.completed_long_term:
            c["long_term"] = (bool(issue.long_term), long_term)
    if "leader" in columns and row.leader and _leader_key(issue.responsible_leader) != _leader_key(row.leader):
        c["responsible_leader"] = (issue.responsible_leader, row.leader)
    if row.status and IssueStatus(issue.status) != IssueStatus(row.status):
        if issue.status == IssueStatus.closed:
            # 销号 is an act of its own (验收 → 公示 → 销号): a file does not undo it
            p.notes.append("已销号的问题不随导入改变状态 / a closed (销号) problem keeps its status")
        else:
            c["status"] = (str(issue.status), row.status)
    if row.status == IssueStatus.in_progress and row.on_schedule is not None and issue.on_schedule != row.on_schedule:
        c["on_schedule"] = (issue.on_schedule, row.on_schedule)
