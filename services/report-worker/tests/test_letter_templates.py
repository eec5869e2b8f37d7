# ruff: noqa: E501 (a template is one block a line, however long)
"""Escalation letters (预警函 / 通报 / 督办通知 / 约谈通知) drawn from the office's template: the shipped
default and an office-edited template render the same letter, and md, docx, pdf and OFD all say
what the template says — a 约谈 worded the office's way still prints its time, place and people."""

import dataclasses
import io
import re

import docx
import pytest

from rectify_shared.document_templates import (
    TemplateProblem,
    default_template,
    example_context,
    example_contexts,
    preview,
)
from rectify_shared.document_templates.starter import starter_docx
from rectify_shared.enums import ReportFormat
from rectify_shared.escalation_policy import Level
from report_worker.kinds import get
from report_worker.render.escalation_notice import notice_context
from report_worker.render.ofd import read_ofd
from report_worker.templating import TemplateChoice

from .test_document_templates import assert_everywhere, docx_text, pdf_text
from .test_letter_layout import PROBLEM_9, letter

SUMMONS = letter(Level.summons, 0)
#: an office's own 约谈通知: its own title and opening, the meeting as a label/value table, the
#: agenda numbered ⑴, no headings, no 特此通知; a 督办 numbered 1、 from the same template
EDITED = """::masthead {{ office }}
::doc_no {{ doc_no }}
::rule
{% if summons %}
# 关于约谈{{ addressee }}主要负责同志的通知
::addressee {{ addressee }}：
依据{{ reference }}，针对你单位第{{ issue.seq | cn }}项问题整改中{{ reason }}的情况，经研究，决定约谈你单位主要负责同志。现将有关事项通知如下：
| 事项 | 安排 |
| 约谈时间 | {{ summons.time_text }} |
| 约谈地点 | {{ summons.place }} |
| 约谈人 | {{ summons.interviewers | join('、') }} |
| 被约谈人 | {{ summons.interviewees | join('\\n') }} |
{% for item in summons.agenda %}
{{ loop.index | number('⑴') }}{{ item }}；
{% endfor %}
请你单位接到通知后认真准备，约谈时提交书面整改情况说明。
{% else %}
# {{ title }}
::addressee {{ addressee }}：
{{ reason }}。请你单位：
{% for item in requirements %}
{{ loop.index | number('1、') }}{{ item }}；
{% endfor %}
{{ reply }}
{% endif %}
::signature {{ office }}
::date {{ issued_on | cn_date }}
{% if cc %}
::copy 抄送：{{ cc }}
{% endif %}
"""


def render(notice, fmt: ReportFormat) -> bytes:
    return get("escalation_notice").render(notice, fmt)


def ofd_text(content: bytes) -> str:
    pages = read_ofd(content).pages
    return "".join(line for page in pages for line in page if not re.fullmatch(r"— \d+ —", line)).replace(" ", "")


def every_format(notice, pdf: bool = True) -> dict[str, str]:
    texts = {
        "md": render(notice, ReportFormat.md).decode("utf-8").replace("\\", ""),
        "docx": docx_text(render(notice, ReportFormat.docx)),
        "ofd": ofd_text(render(notice, ReportFormat.ofd)),
    }
    if pdf:  # (the default letter's PDF is laid out by test_letter_layout already)
        texts["pdf"] = pdf_text(render(notice, ReportFormat.pdf))
    return texts


def edited(notice):
    return dataclasses.replace(notice, template=TemplateChoice("text", EDITED.encode("utf-8"), version=2))


def test_the_summons_default_and_an_office_edit() -> None:
    default = every_format(SUMMONS, pdf=False)
    assert_everywhere(
        default,
        [
            "一、约谈事由",
            "二、约谈安排",
            "约谈时间：2025年1月8日（星期三）下午2时30分。",
            "1.被约谈单位汇报整改进展和存在问题。",
            "特此通知。",
        ],
        ["约谈主要负责同志"],
    )
    office = every_format(edited(SUMMONS))
    assert_everywhere(
        office,
        [
            "关于约谈盟住房和城乡建设局主要负责同志的通知",
            "锡整改办约〔2025〕1号",
            "依据《锡林郭勒盟生态环境保护督察整改工作督办办法》，针对你单位第九项问题整改中",
            "2025年1月8日（星期三）下午2时30分",
            "盟行署3楼第一会议室",
            "王某（盟行署副盟长）",
            "赵某（盟住建局副局长）",
            "⑵约谈人提出整改要求；",
            "抄送：孙某（盟行署副盟长，13904790004）",
        ],
        ["一、约谈事由", "二、约谈安排", "约谈时间：", "特此通知", "1.被约谈单位"],
    )
    doc = docx.Document(io.BytesIO(render(edited(SUMMONS), ReportFormat.docx)))
    assert [row.cells[0].text for row in doc.tables[0].rows] == ["事项", "约谈时间", "约谈地点", "约谈人", "被约谈人"]
    texts = [p.text for p in doc.paragraphs]
    before_signature = doc.paragraphs[texts.index("锡林郭勒盟督察整改办", 1) - 1]
    assert before_signature.text.startswith("请你单位接到通知后认真准备")
    assert before_signature.paragraph_format.keep_with_next  # the closing keeps together in any wording


def test_the_same_template_words_a_supervision_letter() -> None:
    text = render(edited(PROBLEM_9), ReportFormat.md).decode("utf-8")
    assert "1、12月31日前完成正在试运行设施的验收并投入运行；\n\n2、每周五向盟督察整改办报送建设进度；" in text
    assert "请于2024年12月31日前将整改情况书面报送锡林郭勒盟督察整改办。" in text
    assert "约谈" not in text and "（一）" not in text


def test_an_upload_must_render_every_letter_kind() -> None:
    """The preview renders the 约谈 example and a 督办 without meeting or task: a template that
    reads the meeting unguarded is refused at upload, not at the first 督办."""
    assert preview("escalation_notice", "text", EDITED.encode())[0].text == "锡林郭勒盟督察整改办"
    with pytest.raises(TemplateProblem) as refused:
        preview("escalation_notice", "text", "# {{ title }}\n约谈地点：{{ summons.place }}\n".encode())
    assert refused.value.line == 2


def test_the_worker_fills_exactly_the_documented_variables() -> None:
    def names(tree: dict, prefix: str = "") -> set[str]:
        out = set()
        for key, value in tree.items():
            out.add(prefix + key)
            if isinstance(value, dict):
                out |= names(value, f"{prefix}{key}.")
        return out

    missed = dataclasses.replace(PROBLEM_9, issue_seq=None, measure_text=None, dispatch_period="2024-W50")
    petition = dataclasses.replace(missed, dispatch_period=None, petition_intake_no="X1", petition_content="偷排")
    filled = set().union(*(names(notice_context(n)) for n in (SUMMONS, missed, petition)))
    assert filled == names(example_context("escalation_notice"))
    assert all(names(c) <= filled for c in example_contexts("escalation_notice"))


def test_a_word_letter_template_changes_every_format() -> None:
    """The office edits the Word starter (`?format=docx`) of the default: its words reach md, pdf
    and OFD, read back from the filled-in .docx, 抄送 included."""
    source = default_template("escalation_notice").replace("## 二、约谈安排", "## 二、约谈时间、地点和人员")
    source = source.replace("特此通知。", "请被约谈单位接通知后认真准备。")
    word = starter_docx(source)
    assert preview("escalation_notice", "docx", word)[0].kind == "masthead"
    texts = every_format(dataclasses.replace(SUMMONS, template=TemplateChoice("docx", word, version=4)))
    assert_everywhere(
        texts,
        ["二、约谈时间、地点和人员", "约谈地点：盟行署3楼第一会议室。", "请被约谈单位接通知后认真准备。", "抄送：孙某"],
        ["二、约谈安排", "特此通知", "{{", "{%"],
    )
