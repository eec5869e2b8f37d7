"""One writer for escalations (issue 18, "One writer for escalations"): every change of an
escalation row — the people's acts in issues-api, the notifier's resolution and scan withdrawal —
goes through `rectify_shared.escalation_state`; the notifier's scan alone INSERTs new letters."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STATE_MODULE = ROOT / "shared/src/rectify_shared/escalation_state.py"
#: the scan's bulk INSERTs of the letters it creates (creation, not a transition)
SCAN_INSERTS = {
    ROOT / "services/notifier/src/notifier/escalation/sql.py",
    ROOT / "services/notifier/src/notifier/escalation/scan.py",
    ROOT / "services/notifier/src/notifier/escalation/petition_source.py",
}
WRITES = {
    "UPDATE of the escalation table": re.compile(r"update\(\s*(sql\.)?(E|Escalation)\s*\)|UPDATE escalation\b"),
    "a state set on an escalation object": re.compile(
        r"\.state(\s*,\s*[\w.]+)*\s*=(?!=)\s*\"(issued|withdrawn|responded|resolved|proposed)\""
    ),
    "an escalation built outside the state module": re.compile(r"(?<![\w.])(?<!class )Escalation\("),
    "an INSERT of escalations": re.compile(
        r"insert\w*\([^)]*\)\(\s*(sql\.)?E\s*\)|insert\(\s*(sql\.)?(E|Escalation)\s*\)"
    ),
}


def _sources() -> list[Path]:
    roots = [ROOT / "shared/src", *sorted((ROOT / "services").glob("*/src"))]
    return [p for r in roots for p in r.rglob("*.py") if "migrations" not in p.parts]


def test_only_the_state_module_changes_escalation_rows() -> None:
    found = []
    for path in _sources():
        if path == STATE_MODULE:
            continue
        text = path.read_text(encoding="utf-8")
        for what, pattern in WRITES.items():
            if what == "an INSERT of escalations" and path in SCAN_INSERTS:
                continue
            for m in pattern.finditer(text):
                line = text.count("\n", 0, m.start()) + 1
                found.append(f"{path.relative_to(ROOT)}:{line}: {what}: {m.group(0)!r}")
    assert found == [], "\n".join(found)


def test_the_guard_sees_a_write() -> None:
    """The patterns catch the writes this test exists to keep out (else it could never fail)."""
    samples = [
        'e.state, e.issued_at = "issued", now',
        "stmt = update(E).where(E.c.id == 1)",
        "e = Escalation(round_id=1)",
        "await session.execute(insert(E), rows)",
    ]
    assert [any(p.search(s) for p in WRITES.values()) for s in samples] == [True] * len(samples)
