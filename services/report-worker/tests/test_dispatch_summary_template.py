# ruff: noqa: E501 (a template is one block a line, however long)
"""The 调度 summary drawn from the office's template: the shipped default and an office's own
通报 (one opening sentence with zero counts gone, the missing units numbered 1., no tables, a
signature) render the same round, and md, docx and pdf say what the template says."""

import dataclasses

from rectify_shared.document_templates import example_context, example_contexts, preview
from rectify_shared.enums import ReportFormat
from report_worker.kinds.dispatch_summary import render
from report_worker.render.dispatch_summary import summary_context
from report_worker.templating import TemplateChoice

from .test_dispatch_summary import summary
from .test_document_templates import all_formats, assert_everywhere, docx_text

EDITED = """# {{ office }}{{ period_text }}督察整改调度通报
截至{{ cutoff_text }}，应报送{{ figures.owed }}家，{{ [figures.late | count('逾期报送', '家'), figures.missing | count('未报送', '家')] | join_nonempty('，') }}。
{% for name in missing %}
{{ loop.index | number('1.') }}{{ name }}
{% endfor %}
{% for e in escalations %}
已向{{ e.addressee }}发出{{ e.level_text }}（{{ e.doc_no }}）。
{% endfor %}
::signature {{ office }}督察整改办
::date {{ as_of | cn_date }}
"""


def test_the_dispatch_summary_default_and_an_office_edit() -> None:
    default = {  # (the default's PDF is checked by test_dispatch_summary)
        "md": render(summary(), ReportFormat.md).decode("utf-8"),
        "docx": docx_text(render(summary(), ReportFormat.docx)),
    }
    assert_everywhere(
        default, ["一、总体情况", "本期应报送单位3家，已报送2家（其中逾期报送1家），未报送1家。"], ["调度通报"]
    )
    office = dataclasses.replace(summary(2), template=TemplateChoice("text", EDITED.encode("utf-8"), version=1))
    edited = all_formats(render, office)
    assert_everywhere(
        edited,
        [
            "锡林郭勒盟2024年第50周督察整改调度通报",
            "截至2024年12月13日17:00，应报送5家，逾期报送1家，未报送3家。",
            "1.东乌旗人民政府",
            "3.第1家单位",
            "已向东乌旗人民政府发出预警（锡整改办预〔2024〕12号）。",
            "锡林郭勒盟督察整改办",
        ],
        ["一、总体情况", "按时报送", "本期应报送单位"],
    )


def test_the_summary_fills_exactly_the_documented_variables() -> None:
    def names(tree: dict, prefix: str = "") -> set[str]:
        out = set()
        for key, value in tree.items():
            out.add(prefix + key)
            if isinstance(value, dict):
                out |= names(value, f"{prefix}{key}.")
        return out

    assert names(summary_context(summary())) == names(example_context("dispatch_summary"))
    assert len(example_contexts("dispatch_summary")) == 2
    assert [p.kind for p in preview("dispatch_summary", "text", EDITED.encode())][-2:] == ["signature", "date"]
