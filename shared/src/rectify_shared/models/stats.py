"""Dashboard figures kept with the writes (`rectify_shared.stats_tally`): each problem's contribution
(`StatsIssueKey`), their sums by group (`StatsIssueTally`) and the open problems' deadlines by day
(`StatsIssueDue`: 'overdue on D' is a range sum). Not scoped by row-level security: the counts are
read only through `GET /stats/issues`, which filters them by the caller's subtree."""

from datetime import date

from sqlalchemy import BigInteger, Index, SmallInteger, UniqueConstraint
from sqlmodel import Field, SQLModel

from .types import PathString

#: the columns of a problem's group (`StatsIssueTally`), in the order of its unique key
TALLY_KEY = (
    "round_id", "lead_org_id", "org_path", "category", "status",
    "on_schedule", "has_deadline", "on_time", "on_time_ext", "extended",
)  # fmt: skip
DUE_KEY = ("round_id", "lead_org_id", "org_path", "kind", "day")


class StatsIssueKey(SQLModel, table=True):
    """One row per problem counted now (not withdrawn): the group it adds one to."""

    __tablename__ = "stats_issue_key"

    issue_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    round_id: int
    lead_org_id: int
    org_path: str = Field(sa_type=PathString, index=True)
    category: str = Field(max_length=200)
    status: str = Field(max_length=30)
    seq: int
    #: the schedule flag set by hand: 1 on schedule, 0 behind, 2 not judged
    on_schedule: int = Field(sa_type=SmallInteger)
    has_deadline: int = Field(sa_type=SmallInteger)
    on_time: int = Field(sa_type=SmallInteger)
    on_time_ext: int = Field(sa_type=SmallInteger)
    extended: int = Field(sa_type=SmallInteger)
    #: open problems only: the original deadline and the one in force
    due_original: date | None = None
    due_in_force: date | None = None


class StatsIssueTally(SQLModel, table=True):
    __tablename__ = "stats_issue_tally"
    __table_args__ = (UniqueConstraint(*TALLY_KEY, name="uq_stats_issue_tally_key"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int
    lead_org_id: int
    org_path: str = Field(sa_type=PathString, index=True)
    category: str = Field(max_length=200)
    status: str = Field(max_length=30)
    on_schedule: int = Field(sa_type=SmallInteger)
    has_deadline: int = Field(sa_type=SmallInteger)
    on_time: int = Field(sa_type=SmallInteger)
    on_time_ext: int = Field(sa_type=SmallInteger)
    extended: int = Field(sa_type=SmallInteger)
    n: int = 0
    #: the least `seq` of the group's problems (headings are ordered by their first problem)
    min_seq: int | None = None


class StatsIssueDue(SQLModel, table=True):
    """Open problems by deadline day: kind 0 the original deadline, 1 the deadline in force."""

    __tablename__ = "stats_issue_due"
    __table_args__ = (
        UniqueConstraint(*DUE_KEY, name="uq_stats_issue_due_key"),
        Index("ix_stats_issue_due_range", "round_id", "kind", "day"),
    )

    id: int | None = Field(default=None, primary_key=True)
    round_id: int
    lead_org_id: int
    org_path: str = Field(sa_type=PathString, index=True)
    kind: int = Field(sa_type=SmallInteger)
    day: date
    n: int = 0


class StatsIssueSpan(SQLModel, table=True):
    """A problem's figures as of each day: one row per run of days over which they stay the same
    (from `from_day` up to, not including, `until_day`; open-ended without one). Days on which the
    problem is not counted (not yet recorded, no status yet, withdrawn) have no row."""

    __tablename__ = "stats_issue_span"
    __table_args__ = (
        Index("ix_stats_issue_span_heading", "round_id", "category", "seq"),
        # the runs that hold a day D end after it (or never) and begin by it: `GET /stats/issues?as_of=D`
        # counts them, read from whichever side has fewer runs (a recent day: the first; an early one: the second)
        Index("ix_stats_issue_span_until", "round_id", "until_day"),
        Index("ix_stats_issue_span_from", "round_id", "from_day"),
    )

    issue_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    from_day: date = Field(primary_key=True)
    until_day: date | None = None
    seq: int
    round_id: int
    lead_org_id: int
    org_path: str = Field(sa_type=PathString, index=True)
    category: str = Field(max_length=200)
    status: str = Field(max_length=30)
    on_schedule: int = Field(sa_type=SmallInteger)
    has_deadline: int = Field(sa_type=SmallInteger)
    on_time: int = Field(sa_type=SmallInteger)
    on_time_ext: int = Field(sa_type=SmallInteger)
    extended: int = Field(sa_type=SmallInteger)
    overdue: int = Field(sa_type=SmallInteger)
    overdue_ext: int = Field(sa_type=SmallInteger)


class StatsTallyVersion(SQLModel, table=True):
    """One row per round whose `token` becomes a new random value whenever a write changes that
    round's kept groups or its problems' runs of days (`stats_tally.apply`, `rebuild_counts`: in the
    writing transaction; a past day's answer is kept by it too, `issues_api.stats.router._past`), and
    every round's when an org's name or path changes (a trigger on `org`: the names are part of the
    answer). `stats.tally.read` reads the tokens first and reads the groups again only when they
    differ from the ones its last answer was read with. Random rather than counted: a database
    emptied and refilled never shows an old token with new groups."""

    __tablename__ = "stats_tally_version"

    round_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    token: int = Field(sa_type=BigInteger)


class StatsIssueInputsVersion(SQLModel, table=True):
    """The change token of what today's `GET /stats/issues` reads beside its kept groups: the
    responsible orgs (`issue_org`: problems a caller below a top-level org sees led from outside its
    subtree) and the indicators of problems with their values (达到序时进度 of problems in progress).
    One row per round, given a new random `token` in the writing transaction by triggers on
    `issue_org`, `indicator` and `indicator_value` (migration 20261211_17_stats_inputs_version:
    every writer, ORM or Core, is seen). `stats.tally.read` reads it with `StatsTallyVersion` in
    one statement: while both are the ones its last answer was read with (on the same day), that
    answer is given again without reading anything else."""

    __tablename__ = "stats_issue_inputs_version"

    round_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    token: int = Field(sa_type=BigInteger)


class StatsPetitionVersion(SQLModel, table=True):
    """The change token of a round's petition figures (`GET /stats/petitions`): one row per round
    with petition cases, whose `token` becomes a new random value in the transaction of every write
    that can change today's figures — a case inserted, deleted or changed in a counted column, a
    batch renumbered (database triggers on `petition_case` and `petition_batch`, so imports and raw
    SQL are covered) — and every round's when an org's name or path changes or an org is deleted
    (a trigger on `org`: the localities' names and paths are part of the answer). The API keeps its
    last answer per round, scope and day and gives it again while the token is the one it was built
    with (`issues_api.petitions.stats`)."""

    __tablename__ = "stats_petition_version"

    round_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    token: int = Field(sa_type=BigInteger)
