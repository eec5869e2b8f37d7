"""A synthetic ledger of any size (used by the bounded-memory test and bench/ledger_memory.py)."""

from datetime import date, timedelta

from rectify_shared.enums import ISSUE_STATUS_TEXT, IssueStatus, MeasureStatus
from report_worker.snapshot import CategorySnapshot, IssueSnapshot, LedgerSnapshot, MeasureSnapshot

AS_OF = date(2024, 12, 15)
CATEGORIES = ("贯彻落实习近平生态文明思想还不到位方面", "北方生态安全屏障构建仍有短板方面", "其他需要关注的问题方面")
_TEXT = "全盟143家露天矿山企业按照矿山地质环境保护与土地复垦方案要求开展生态修复治理工作，"
_STATUSES = (IssueStatus.in_progress, IssueStatus.completed, IssueStatus.not_started, IssueStatus.completed_long_term)
_MEASURE_STATUSES = (MeasureStatus.in_progress, MeasureStatus.completed, MeasureStatus.not_started)


def big_ledger(problems: int, measures_each: int = 5) -> LedgerSnapshot:
    """`problems` problems spread over three 方面, each with `measures_each` measures (problem
    numbers divisible by 10 have none), realistic text lengths and deadlines around the as-of day.
    Org names and deadlines are one object per distinct value, as `load_ledger_snapshot` keeps them;
    texts are one per row."""
    orgs = [f"第{n}旗人民政府" for n in range(1, 14)]
    days = [AS_OF + timedelta(days=d) for d in range(-60, 60)]
    per_category = -(-problems // len(CATEGORIES))
    categories = []
    seq = 0
    for name in CATEGORIES:
        issues = []
        for _ in range(min(per_category, problems - seq)):
            seq += 1
            status = _STATUSES[seq % len(_STATUSES)]
            measures = (
                [
                    MeasureSnapshot(
                        k,
                        f"第{seq}项问题第{k}条措施：{_TEXT * 2}",
                        orgs[seq % 13],
                        days[(seq * 7 + k * 3) % 120],
                        _MEASURE_STATUSES[(seq + k) % len(_MEASURE_STATUSES)],
                        f"截至{AS_OF.isoformat()}，已完成第{k}阶段工作。" if k % 2 else None,
                    )
                    for k in range(1, measures_each + 1)
                ]
                if seq % 10
                else []
            )
            issues.append(
                IssueSnapshot(
                    seq=seq,
                    description=f"第{seq}项：{_TEXT * 3}",
                    status=status,
                    status_text=ISSUE_STATUS_TEXT[status],
                    deadline=days[seq % 90 + 15],
                    lead_org="盟生态环境局",
                    responsible_orgs=["盟自然资源局", orgs[seq % 13]],
                    measures=measures,
                    latest_progress="问题整改正在推进",
                )
            )
        categories.append(CategorySnapshot(name, issues))
    return LedgerSnapshot("第二轮中央生态环境保护督察", "中央第三生态环境保护督察组", "锡林郭勒盟", AS_OF, categories)


def expected_rows(snapshot: LedgerSnapshot) -> tuple[int, int]:
    """(data rows, merged problem ranges) the workbook must have."""
    rows = merges = 0
    for category in snapshot.categories:
        for issue in category.issues:
            rows += max(1, len(issue.measures))
            merges += 7 if len(issue.measures) > 1 else 0
    return rows, merges
