"""The Markdown ledger: the seed report's layout, exactly."""

from dataclasses import replace

import pytest

from rectify_shared.enums import IssueStatus, MeasureStatus
from report_worker.render import render_ledger_md
from report_worker.render.wording import chinese_numeral, ledger_file_name, ledger_title
from report_worker.snapshot import CategorySnapshot, LedgerSnapshot, MeasureSnapshot

from .conftest import AS_OF, issue

EXPECTED = """\
# 锡林郭勒盟贯彻落实第二轮中央生态环境保护督察报告具体问题整改进展情况

## 一、贯彻落实习近平生态文明思想还不到位方面

3.不仅矿山开采侵占草原林地问题突出，生态修复治理也进展滞后。

整改进展情况：正在推进

（一）盟自然资源局印发了《关于做好中央第二轮环保督察反馈143家露天矿山整改工作的通知》。

（二）盟能源局对照全盟露天煤矿《初步设计》共排查发现问题14项。

（三）全盟143家露天矿山企业2024年截至11月底完成治理面积17.21平方公里。

4.自治区自然资源部门矿业权审批不严格。

整改进展情况：已完成整改

我盟2宗探矿权已通过缩小矿区范围方式退出自然保护地。

## 二、其他需要关注的问题方面

9.城镇现有生活垃圾处理设施与垃圾分类需求不匹配。

整改进展情况：正在推进

数据截至 2024年12月15日
"""


def test_markdown_follows_the_seed_layout(ledger: LedgerSnapshot) -> None:
    assert render_ledger_md(ledger).decode("utf-8") == EXPECTED


def test_markdown_is_utf8_bytes(ledger: LedgerSnapshot) -> None:
    out = render_ledger_md(ledger)
    assert isinstance(out, bytes)
    assert "锡林郭勒盟".encode() in out


def test_round_name_without_督察_gets_it_in_the_title(ledger: LedgerSnapshot) -> None:
    first_line = render_ledger_md(replace(ledger, round_name="第二轮中央生态环境保护")).decode().splitlines()[0]
    assert first_line == "# 锡林郭勒盟贯彻落实第二轮中央生态环境保护督察报告具体问题整改进展情况"
    bare = ledger_title("锡林郭勒盟", "第二轮中央生态环境保护")
    assert ledger_title("锡林郭勒盟", "第二轮中央生态环境保护督察") == bare


def test_ledger_text_never_becomes_markdown_structure() -> None:
    tricky = issue(
        1,
        "*重点*区域_整治_[见附件]",
        IssueStatus.not_started,
        None,
        measures=[
            MeasureSnapshot(None, "# 不是标题", None, None, MeasureStatus.not_started),
            MeasureSnapshot(None, "1. 不是列表\n- 也不是列表", None, None, MeasureStatus.not_started),
        ],
    )
    snap = LedgerSnapshot("第二轮中央生态环境保护督察", "督察组", "某旗", AS_OF, [CategorySnapshot("某方面", [tricky])])
    blocks = render_ledger_md(snap).decode().split("\n\n")
    assert blocks[2] == r"1.\*重点\*区域\_整治\_\[见附件\]"
    # a multi-line measure becomes one paragraph per line, each escaped at its start
    assert blocks[4:7] == [r"\# 不是标题", r"1\. 不是列表", r"\- 也不是列表"]


def test_an_empty_scope_says_so() -> None:
    snap = LedgerSnapshot("第二轮中央生态环境保护督察", "督察组", "某旗", AS_OF, [])
    assert render_ledger_md(snap).decode().split("\n\n")[1] == "（本范围内暂无反馈问题）"


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (1, "一"),
        (9, "九"),
        (10, "十"),
        (11, "十一"),
        (20, "二十"),
        (21, "二十一"),
        (99, "九十九"),
        (100, "一百"),
        (101, "一百零一"),
        (110, "一百一十"),
        (1001, "一千零一"),
        (1010, "一千零一十"),
        (2300, "二千三百"),
        (0, "0"),
        (10000, "10000"),
    ],
)
def test_chinese_numerals(n: int, text: str) -> None:
    assert chinese_numeral(n) == text


def test_file_name_keeps_path_separators_out() -> None:
    assert ledger_file_name("锡林郭勒盟", AS_OF, "xlsx") == "锡林郭勒盟督察整改台账（截至2024-12-15）.xlsx"
    assert "/" not in ledger_file_name("a/b", AS_OF, "md")
