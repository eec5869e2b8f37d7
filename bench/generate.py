"""A realistic province for benchmarks, loaded into PostgreSQL with COPY.

    .venv/bin/python bench/generate.py postgresql://root@127.0.0.1:5432/bench --scale 0.01 --seed 7

The org tree is always the full province: 1 region, 12 leagues (盟市), 103 counties (旗县市区)
spread over them, 40 departments per league. At `--scale 1` the ledger holds 3 inspection rounds,
20,000 issues, 100,000 measures, 1,000,000 progress reports and 10,000 escalations; `--scale`
multiplies the row counts. Each round also has its petition batches (30 at scale 1, 2,000 cases a
round across the counties and departments, in every state, with their state history) and its
indicators (100 a round, with baselines, targets and a monthly series from the round's feedback).
Text is stitched from the phrases of the demo ledger (the seed report's own words) to realistic
lengths. The same seed gives the same rows. The database must
be migrated (`rectify migrate`) and hold no ledger yet; identity sequences are moved past the
loaded ids, so the API can write on top.
"""

import argparse
import asyncio
import json
import random
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg

from issues_api.demo.loader import read_demo
from rectify_shared.db import make_engine
from rectify_shared.partitions import ensure_partitions
from rectify_shared.stats_tally import rebuild

LEAGUES, COUNTIES, DEPARTMENTS_PER_LEAGUE, ROUNDS = 12, 103, 40, 3
FULL = {
    "issues": 20_000,
    "measures": 100_000,
    "progress": 1_000_000,
    "escalations": 10_000,
    "petition_batches": 90,
    "petitions": 6_000,
    "indicators": 300,
}
CATEGORIES = ["一、生态保护方面", "二、污染防治方面", "三、资源利用方面", "四、监管执法方面"]
STATUSES = ["not_started", "in_progress", "in_progress", "completed", "completed", "completed_long_term"]
LEVELS = ["warning", "warning", "warning", "notice", "notice", "supervision", "summons"]
ESC_STATES = ["proposed", "issued", "issued", "responded", "resolved", "withdrawn"]
DEPARTMENT_NAMES = ["生态环境局", "自然资源局", "林业和草原局", "水利局", "农牧局", "工业和信息化局", "住建局"]
EPOCH = datetime(2022, 11, 1, 1, 0, tzinfo=UTC)
#: the last month an indicator's series reaches (fixed: the same seed gives the same rows on any day)
SERIES_END = date(2026, 11, 30)
POLLUTION = ["air", "water", "soil", "noise", "ecology", "solid_waste", "dust", "odor", "hazardous_waste", "other"]
VERDICTS = ["substantiated", "substantiated", "partly_substantiated", "largely_substantiated", "unsubstantiated"]
CERTIFIERS = ["自治区生态环境厅", "自治区自然资源厅", "自治区水利厅", "自治区林业和草原局"]
INDICATOR_KINDS = [  # (kind, direction, unit, name, baseline, target)
    ("cumulative", "higher", "平方公里", "矿山地质环境治理面积", 0, 80),
    ("cumulative", "higher", "个", "入河排污口整治数量", 0, 120),
    ("level", "lower", "微克/立方米", "PM2.5平均浓度", 32, 25),
    ("level", "lower", "毫克/升", "化学需氧量平均浓度", 28, 20),
    ("ratio", "higher", "%", "优良天数比率", 86, 92),
    ("ratio", "higher", "%", "湿地保护率", 31, 35),
]
BATCH = 50_000


def phrases() -> list[str]:
    """Every clause of the demo ledger (the seed report's wording)."""
    data = read_demo()
    texts: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str) and len(value) > 12:
            texts.append(value)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(data)
    parts = {p.strip() for t in texts for p in re.split(r"[，。；：\n]", t)}
    return sorted(p for p in parts if 4 <= len(p) <= 80)


@dataclass
class Text:
    rng: random.Random
    vocabulary: list[str]

    def __call__(self, low: int, high: int) -> str:
        target = self.rng.randint(low, high)
        out: list[str] = []
        length = 0
        while length < target:
            p = self.rng.choice(self.vocabulary)
            out.append(p)
            length += len(p) + 1
        return "，".join(out) + "。"


def org_rows() -> tuple[list[tuple[Any, ...]], list[int], list[int]]:
    """(rows, county ids, department ids) of the whole province."""
    now = EPOCH
    rows: list[tuple[Any, ...]] = [(1, "内蒙古自治区", "自治区", "region", None, "/1/", 0, now, now)]
    next_id = 2
    counties: list[int] = []
    departments: list[int] = []
    for league in range(LEAGUES):
        lid, lpath = next_id, f"/1/{next_id}/"
        next_id += 1
        rows.append((lid, f"第{league + 1}盟", f"盟{league + 1}", "league", 1, lpath, 1, now, now))
        n_counties = COUNTIES // LEAGUES + (1 if league < COUNTIES % LEAGUES else 0)
        for c in range(n_counties):
            name = f"第{league + 1}盟第{c + 1}旗"
            rows.append((next_id, name, None, "county", lid, f"{lpath}{next_id}/", 2, now, now))
            counties.append(next_id)
            next_id += 1
        for d in range(DEPARTMENTS_PER_LEAGUE):
            name = f"第{league + 1}盟{DEPARTMENT_NAMES[d % len(DEPARTMENT_NAMES)]}{d // len(DEPARTMENT_NAMES) + 1}"
            rows.append((next_id, name, None, "department", lid, f"{lpath}{next_id}/", 2, now, now))
            departments.append(next_id)
            next_id += 1
    return rows, counties, departments


def counts(scale: float) -> dict[str, int]:
    return {k: max(1, round(v * scale)) for k, v in FULL.items()}


class Province:
    def __init__(self, seed: int, scale: float) -> None:
        self.rng = random.Random(seed)
        self.text = Text(self.rng, phrases())
        self.n = counts(scale)
        self.orgs, self.counties, self.departments = org_rows()
        self.paths = {r[0]: r[5] for r in self.orgs}
        self.units = self.counties + self.departments
        self.issue_org: dict[int, int] = {}  # issue id -> lead org id
        self.measure_issue: list[tuple[int, int, int]] = []  # (measure id, issue id, org id)
        self.issue_status: dict[int, str] = {}
        self.batch_round: list[tuple[int, int, date]] = []  # (batch id, round id, transferred on)
        self.case_history: list[tuple[int, list[tuple[str, datetime]]]] = []  # (case id, [(state, at)])
        self.indicator_issue: dict[int, int] = {}  # indicator id -> its problem
        self.indicator_series: list[tuple[int, int, str, str, float, float, date, date]] = []

    def rounds(self) -> list[tuple[Any, ...]]:
        return [
            (i, f"第{'一二三'[i - 1]}轮中央生态环境保护督察", f"中央第{i}生态环境保护督察组",
             date(2016 + 3 * i, 4, 1), date(2016 + 3 * i, 5, 1), date(2016 + 3 * i, 7, 1),
             "内蒙古自治区", 1, "/1/", EPOCH, EPOCH)
            for i in range(1, ROUNDS + 1)
        ]  # fmt: skip

    def issues(self) -> Iterator[tuple[Any, ...]]:
        per_round = -(-self.n["issues"] // ROUNDS)
        for i in range(1, self.n["issues"] + 1):
            org = self.rng.choice(self.units)
            self.issue_org[i] = org
            deadline = date(2023, 1, 1) + timedelta(days=self.rng.randint(0, 1200))
            long_term = self.rng.random() < 0.1
            status = self.rng.choice(STATUSES)
            self.issue_status[i] = status
            yield (
                i, (i - 1) // per_round + 1, (i - 1) % per_round + 1, self.rng.choice(CATEGORIES),
                self.text(80, 400), self.text(20, 80), org, self.paths[org], deadline, deadline, False,
                long_term, status, EPOCH, EPOCH,
            )  # fmt: skip

    def status_changes(self) -> Iterator[tuple[Any, ...]]:
        """Each problem's history up to its status: not started on the epoch, then in progress
        and accepted on later days (2022–2025), so that as-of figures have days to tell apart."""
        n = 0
        for issue_id, status in self.issue_status.items():
            steps = ["not_started"]
            if status != "not_started":
                steps.append("in_progress")
            if status.startswith("completed"):
                steps.append(status)
            at = EPOCH
            for before, after in zip([None, *steps], steps, strict=False):
                n += 1
                yield (n, issue_id, before, after, "bench", at)
                at += timedelta(days=self.rng.randint(1, 400), seconds=self.rng.randrange(86400))

    def issue_orgs(self) -> Iterator[tuple[Any, ...]]:
        for issue_id, org in self.issue_org.items():
            yield (issue_id, org, "lead", self.paths[org])

    def measures(self) -> Iterator[tuple[Any, ...]]:
        issues = len(self.issue_org)
        for m in range(1, self.n["measures"] + 1):
            issue_id = (m - 1) % issues + 1
            position = (m - 1) // issues + 1
            org = self.issue_org[issue_id] if self.rng.random() < 0.7 else self.rng.choice(self.units)
            self.measure_issue.append((m, issue_id, org))
            deadline = date(2023, 1, 1) + timedelta(days=self.rng.randint(0, 1200))
            status = self.rng.choice(["not_started", "in_progress", "completed"])
            yield (m, issue_id, position, position, self.text(40, 200), org, self.paths[org], deadline,
                   deadline, False, status, EPOCH, EPOCH)  # fmt: skip

    def progress(self) -> Iterator[tuple[Any, ...]]:
        span = int((datetime(2024, 12, 31, tzinfo=UTC) - EPOCH).total_seconds())
        for p in range(1, self.n["progress"] + 1):
            m, issue_id, org = self.measure_issue[self.rng.randrange(len(self.measure_issue))]
            at = EPOCH + timedelta(seconds=self.rng.randrange(span))
            yield (p, at, issue_id, m, self.text(60, 300), org, self.paths[org], at, "bench")

    def escalations(self) -> Iterator[tuple[Any, ...]]:
        for e in range(1, self.n["escalations"] + 1):
            m, issue_id, org = self.measure_issue[self.rng.randrange(len(self.measure_issue))]
            at = EPOCH + timedelta(days=self.rng.randint(0, 780))
            yield (
                e, 1, self.rng.choice(LEVELS), "r1", f"bench:{e}", issue_id, m, org, self.paths[org],
                self.text(30, 120), json.dumps({"measure_id": m}), self.rng.choice(ESC_STATES), at, at.date(),
            )  # fmt: skip

    def _round_issues(self, round_id: int) -> list[int]:
        per_round = -(-len(self.issue_org) // ROUNDS)
        first = (round_id - 1) * per_round + 1
        return list(range(first, min(first + per_round, len(self.issue_org) + 1))) or [1]

    def petition_policies(self) -> Iterator[tuple[Any, ...]]:
        for r in self.rounds():
            yield (r[0], 10, "calendar", "bench", EPOCH)

    def petition_batches(self) -> Iterator[tuple[Any, ...]]:
        """第N批: one a day of the team's stay, from its first day."""
        per_round = max(1, self.n["petition_batches"] // ROUNDS)
        batch_id = 0
        for r in self.rounds():
            for no in range(1, per_round + 1):
                batch_id += 1
                day = r[3] + timedelta(days=no - 1)
                self.batch_round.append((batch_id, r[0], day))
                yield (batch_id, r[0], no, day, None, None, "/1/", "bench", _at(day))

    def petitions(self) -> Iterator[tuple[Any, ...]]:
        """Cases of each batch: a county's locality, handled by it or a department; 15 % still in
        progress, 25 % closed in stage, the rest closed, over days to years (so a past day differs
        from today); verdicts, pollution types, accountability and repeats as the demo's."""
        case_id = 0
        intake: dict[tuple[int, date], int] = {}
        first_of_round: dict[int, int] = {}
        for c in range(self.n["petitions"]):
            batch_id, round_id, day = self.batch_round[c % len(self.batch_round)]
            case_id += 1
            first_of_round.setdefault(round_id, case_id)
            seq = intake[(round_id, day)] = intake.get((round_id, day), 0) + 1
            locality = self.rng.choice(self.counties)
            responsible = locality if self.rng.random() < 0.7 else self.rng.choice(self.departments)
            roll = self.rng.random()
            state = "in_progress" if roll < 0.15 else "closed_in_stage" if roll < 0.4 else "closed"
            at = _at(day) + timedelta(hours=self.rng.randint(1, 8))
            history = [("in_progress", at)]
            if state != "in_progress":
                history.append(("closed_in_stage", at + timedelta(days=self.rng.randint(5, 60))))
            if state == "closed":
                history.append(("closed", history[-1][1] + timedelta(days=self.rng.randint(30, 1900))))
            self.case_history.append((case_id, history))
            verdict = None if state == "in_progress" else self.rng.choice(VERDICTS)
            accountable = verdict not in (None, "unsubstantiated")
            accountability = (
                json.dumps({"ordered_rectification": 1, "penalty_cases": self.rng.randint(0, 2),
                            "fine_yuan": self.rng.randrange(0, 500_000, 10_000)})
                if accountable else None
            )  # fmt: skip
            repeat_of = (
                self.rng.randrange(first_of_round[round_id], case_id)
                if case_id > first_of_round[round_id] and self.rng.random() < 0.03
                else None
            )
            types = self.rng.sample(POLLUTION, self.rng.choice([1, 1, 2, 3]))
            closed = state == "closed"
            yield (
                case_id, round_id, batch_id, f"D{round_id}NM{day:%Y%m%d}{seq:04d}",
                self.rng.choice(["phone", "letter", "online"]), self.text(30, 160), locality, self.paths[locality],
                "某企业", None, json.dumps(types), self.rng.random() < 0.05, responsible, self.paths[responsible],
                day + timedelta(days=10), None if verdict is None else self.text(20, 80), verdict,
                None if verdict is None else self.text(20, 80), accountability, state,
                self.rng.choice(CERTIFIERS) if closed else None, history[-1][1].date() if closed else None,
                None, repeat_of, history[0][1], history[-1][1],
            )  # fmt: skip

    def petition_states(self) -> Iterator[tuple[Any, ...]]:
        n = 0
        for case_id, history in self.case_history:
            for before, (after, at) in zip([None, *(h[0] for h in history)], history, strict=False):
                n += 1
                yield (n, case_id, before, after, "bench", at)

    def indicators(self) -> Iterator[tuple[Any, ...]]:
        """Per round: a target from its feedback day to three years on, held by a league or a unit,
        most tied to one of the round's problems (and its measures, `indicator_measures`)."""
        per_round = max(3, self.n["indicators"] // ROUNDS)  # at least one of each kind up to `level`
        ind_id = 0
        leagues = [r[0] for r in self.orgs if r[3] == "league"]
        for r in self.rounds():
            issues = self._round_issues(r[0])
            for k in range(per_round):
                ind_id += 1
                kind, direction, unit, name, base, target = INDICATOR_KINDS[k % len(INDICATOR_KINDS)]
                org = self.rng.choice(leagues) if self.rng.random() < 0.3 else self.rng.choice(self.units)
                # the first `level` indicator is always tied: the stats bench's cold rows write to it
                tied = self.rng.random() < 0.8 or (kind == "level" and k < len(INDICATOR_KINDS))
                issue_id = self.rng.choice(issues) if tied else None
                start, end = r[5], r[5].replace(year=r[5].year + 3)
                self.indicator_series.append((ind_id, org, kind, direction, base, target, start, end))
                yield (
                    ind_id, r[0], issue_id, f"{name}（{k // len(INDICATOR_KINDS) + 1}）", unit, kind, direction,
                    str(base), start, str(target), end, "monthly", org, self.paths[org], "bench", EPOCH, EPOCH,
                )  # fmt: skip
                if issue_id is not None:
                    self.indicator_issue[ind_id] = issue_id

    def indicator_measures(self) -> Iterator[tuple[Any, ...]]:
        issues, measures = len(self.issue_org), self.n["measures"]
        for ind_id, issue_id in self.indicator_issue.items():
            own = [m for m in range(issue_id, measures + 1, issues)]
            for m in self.rng.sample(own, min(len(own), self.rng.randint(1, 2))):
                yield (ind_id, m)

    def indicator_values(self) -> Iterator[tuple[Any, ...]]:
        """A month's figure for every month from the baseline until the target day (or SERIES_END),
        reported 10 days after the month: on the straight line to the target, give or take."""
        n = 0
        for ind_id, org, kind, _direction, base, target, start, end in self.indicator_series:
            month = date(start.year, start.month, 1)
            months = max(1, (end.year - start.year) * 12 + end.month - start.month)
            step = 0
            while month <= min(end, SERIES_END):
                step += 1
                following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
                last = following - timedelta(days=1)
                planned = (target - base) / months
                drift = self.rng.uniform(0.6, 1.3)
                value = planned * drift if kind == "cumulative" else base + planned * step * drift
                n += 1
                yield (n, ind_id, org, self.paths[org], f"{month:%Y-%m}", month, last, f"{value:.2f}", "bench",
                       _at(last + timedelta(days=10)))  # fmt: skip
                month = following


def _at(day: date) -> datetime:
    """9:00 China time of `day`."""
    return datetime(day.year, day.month, day.day, 1, 0, tzinfo=UTC)


TABLES: list[tuple[str, str, list[str]]] = [
    ("org", "orgs", ["id", "name", "short_name", "kind", "parent_id", "path", "depth", "created_at", "updated_at"]),
    ("inspection_round", "rounds", ["id", "name", "inspection_team", "stay_start", "stay_end", "feedback_date",
                                    "target_region", "org_id", "org_path", "created_at", "updated_at"]),
    ("issue", "issues", ["id", "round_id", "seq", "category", "description", "goal", "lead_org_id", "org_path",
                         "deadline", "original_deadline", "deadline_provisional", "long_term", "status",
                         "created_at", "updated_at"]),
    ("issue_status_change", "status_changes", ["id", "issue_id", "from_status", "to_status", "changed_by",
                                               "changed_at"]),
    ("issue_org", "issue_orgs", ["issue_id", "org_id", "role", "org_path"]),
    ("measure", "measures", ["id", "issue_id", "seq", "position", "text", "responsible_org_id", "org_path",
                             "deadline", "original_deadline", "deadline_provisional", "status", "created_at",
                             "updated_at"]),
    ("progress_report", "progress", ["id", "created_at", "issue_id", "measure_id", "text", "reporting_org_id",
                                     "org_path", "reported_at", "reported_by"]),
    ("escalation", "escalations", ["id", "round_id", "level", "rule", "dedupe_key", "issue_id", "measure_id",
                                   "addressed_org_id", "org_path", "reason", "trigger", "state", "created_at",
                                   "as_of"]),
    ("petition_policy", "petition_policies", ["round_id", "due_days", "day_kind", "updated_by", "updated_at"]),
    ("petition_batch", "petition_batches", ["id", "round_id", "batch_no", "transferred_at", "due_days", "day_kind",
                                            "org_path", "created_by", "created_at"]),
    ("petition_case", "petitions", ["id", "round_id", "batch_id", "intake_no", "channel", "content",
                                    "locality_org_id", "locality_path", "reported_party", "address",
                                    "pollution_types", "key_attention", "responsible_org_id", "responsible_path",
                                    "due_date", "findings", "verdict", "handling", "accountability", "state",
                                    "certified_by", "certified_at", "published_at", "repeat_of_id", "created_at",
                                    "updated_at"]),
    ("petition_state_change", "petition_states", ["id", "case_id", "from_state", "to_state", "changed_by",
                                                  "changed_at"]),
    ("indicator", "indicators", ["id", "round_id", "issue_id", "name", "unit", "kind", "direction", "baseline",
                                 "baseline_date", "target", "target_date", "frequency", "org_id", "org_path",
                                 "created_by", "created_at", "updated_at"]),
    ("indicator_measure", "indicator_measures", ["indicator_id", "measure_id"]),
    ("indicator_value", "indicator_values", ["id", "indicator_id", "org_id", "org_path", "period", "period_start",
                                             "period_end", "value", "reported_by", "reported_at"]),
]  # fmt: skip


def _batches(rows: Any) -> Iterator[list[tuple[Any, ...]]]:
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


async def load(dsn: str, seed: int = 7, scale: float = 1.0, log: Any = print) -> dict[str, int]:
    """Generate and COPY the province into the migrated database at `dsn`; row counts per table."""
    province = Province(seed, scale)
    conn = await asyncpg.connect(dsn.replace("postgresql+asyncpg://", "postgresql://"))
    loaded: dict[str, int] = {}
    try:
        async with conn.transaction():
            for table, source, columns in TABLES:
                started = time.monotonic()
                rows = getattr(province, source)
                rows = rows() if callable(rows) else rows
                total = 0
                for batch in _batches(rows):
                    await conn.copy_records_to_table(table, records=batch, columns=columns)
                    total += len(batch)
                loaded[table] = total
                log(f"{table}: {total} rows in {time.monotonic() - started:.1f} s")
                if "id" in columns:
                    await conn.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                    )
        # a month partition for every month the history spans, as migration 0020 makes for a
        # database that already holds rows (COPY put them all in the DEFAULT partitions)
        started = time.monotonic()
        engine = make_engine(dsn.replace("postgresql://", "postgresql+asyncpg://", 1), pool_size=1)
        try:
            made = await ensure_partitions(engine, 3)
        finally:
            await engine.dispose()
        log(f"{len(made)} month partitions in {time.monotonic() - started:.1f} s")
        # COPY bypassed the ORM session that keeps the dashboard's counts: count them once
        started = time.monotonic()
        engine = make_engine(dsn.replace("postgresql://", "postgresql+asyncpg://", 1), pool_size=1)
        try:
            async with engine.begin() as c:
                counted = await c.run_sync(rebuild)
        finally:
            await engine.dispose()
        log(f"dashboard counts of {counted} problems in {time.monotonic() - started:.1f} s")
        # VACUUM too: moving the history into its month partitions left every row of it dead in the
        # DEFAULT partitions (1,000,000 at scale 1), which autovacuum would otherwise clean up under
        # the first benchmarks; and a steady database has its visibility maps set
        await conn.execute("VACUUM (ANALYZE)")
    finally:
        await conn.close()
    return loaded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dsn", help="postgresql://… of a migrated, empty database")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    started = time.monotonic()
    loaded = asyncio.run(load(args.dsn, args.seed, args.scale))
    print(f"loaded {sum(loaded.values())} rows in {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
