"""Every document's and public page's title comes from one function: 督察 is never doubled and
never missing, whatever the round is called."""

import pytest

from rectify_shared.titles import document_title, inspection_name

ROUNDS = {
    "第二轮中央生态环境保护督察": "第二轮中央生态环境保护督察",
    "中央生态环境保护督察“回头看”": "中央生态环境保护督察“回头看”",
    "第二轮自治区生态环境保护督察": "第二轮自治区生态环境保护督察",
    "第二轮中央生态环境保护": "第二轮中央生态环境保护督察",  # a bare name gets its 督察
}


@pytest.mark.parametrize(("name", "said"), ROUNDS.items())
def test_each_title_names_the_round_once(name: str, said: str) -> None:
    assert inspection_name(f" {name} ") == said
    titles = [
        document_title("closure_notice", name),
        document_title("closure_form", name),
        document_title("ledger", name, org="锡林郭勒盟"),
        document_title("ledger_sheet", name, org="锡林郭勒盟"),
        document_title("progress_report", name, org="锡林郭勒盟"),
        document_title("indicators", name, org="锡林郭勒盟"),
        document_title("petition_notice", name, org="锡林郭勒盟"),
        document_title("petition_table", name, org="锡林郭勒盟", batch=17),
        document_title("dispatch_summary", name, period="2024年12月"),
        document_title("issue_task", name, seq=9),
    ]
    for title in titles:
        assert said in title and title.count("督察") == said.count("督察"), title


def test_the_titles_read_as_the_offices_write_them() -> None:
    back = "中央生态环境保护督察“回头看”"
    assert document_title("closure_notice", back) == "关于中央生态环境保护督察“回头看”整改任务销号的公示"
    assert (
        document_title("progress_report", "第二轮自治区生态环境保护督察", org="阿巴嘎旗")
        == "阿巴嘎旗第二轮自治区生态环境保护督察整改落实情况报告"
    )
    assert (
        document_title("petition_table", back, org="锡林郭勒盟", batch=3)
        == "锡林郭勒盟中央生态环境保护督察“回头看”第3批信访举报件办理情况一览表"
    )
