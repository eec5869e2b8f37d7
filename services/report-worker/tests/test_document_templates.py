# ruff: noqa: E501 (a template is one block a line, however long)
"""Documents drawn from the office's template: for each converted kind the shipped default and an
office-edited template render the same data, and every format (md, docx, pdf) says what the
template says — including the wordings offices asked for (issue 24, "What was seen")."""

import dataclasses
import io
from datetime import date

import docx
import pytest
from pypdf import PdfReader

from rectify_shared.document_templates import (
    BLOCK_KINDS,
    TemplateProblem,
    default_template,
    docx_blocks,
    example_context,
    preview,
    render_docx,
    render_text,
)
from rectify_shared.document_templates.filters import aspects, chinese_date, count, number
from rectify_shared.document_templates.starter import starter_docx
from rectify_shared.enums import MoneyUnit, PetitionState, ReportFormat
from rectify_shared.petition_stats import PetitionFigures
from report_worker.kinds.closure_documents import render_notice
from report_worker.kinds.petition_notice import render as render_petition
from report_worker.kinds.progress_report import render as render_progress
from report_worker.petition_data import BatchFigures, PetitionNotice
from report_worker.render.closure_documents import notice_context
from report_worker.render.petition_notice import notice_context as petition_context
from report_worker.render.progress_report import report_context
from report_worker.templating import TemplateChoice

from .test_closure_documents import dossier
from .test_petition_documents import HEADER
from .test_progress_report import snapshot


def text_template(source: str) -> TemplateChoice:
    return TemplateChoice("text", source.encode("utf-8"), version=1)


def docx_text(content: bytes) -> str:
    doc = docx.Document(io.BytesIO(content))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def pdf_text(content: bytes) -> str:
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages).replace("\n", "").replace(" ", "")


def all_formats(render, data) -> dict[str, str]:
    return {
        "md": render(data, ReportFormat.md).decode("utf-8").replace("\\", ""),
        "docx": docx_text(render(data, ReportFormat.docx)),
        "pdf": pdf_text(render(data, ReportFormat.pdf)),
    }


def assert_everywhere(texts: dict[str, str], present: list[str], absent: list[str] = ()) -> None:
    for fmt, text in texts.items():
        flat = text.replace("\n", "") if fmt != "pdf" else text
        for words in present:
            assert words in flat, (fmt, words)
        for words in absent:
            assert words not in flat, (fmt, words)


def test_the_wording_filters():
    assert [number(n, s) for n, s in ((17, "（一）"), (3, "一、"), (3, "1."), (3, "1、"), (3, "（1）"), (3, "⑴"))] == [
        "（十七）",
        "三、",
        "3.",
        "3、",
        "（3）",
        "⑶",
    ]
    assert count(0, "责令整改", "家") == "" and count(3, "责令整改", "家") == "责令整改3家"
    assert aspects(4, 25) == "4个方面25项" and chinese_date(date(2025, 12, 29)) == "2025年12月29日"
    pieces = render_text("序号{{ 10 | cn }}，第{{ 17 | cn }}批\n{{ 0 | count('罚款', '元') }}", {})
    assert [p.text for p in pieces] == ["序号十，第十七批"]  # the zero count's line is gone


def test_printed_data_never_becomes_structure():
    source = "# {{ t }}\n{{ t }}\n| a | b |\n| {{ t }} | {{ n }} |"
    [title, para, table] = render_text(source, {"t": "# 标题 | ::signature x", "n": "一\n二"})
    assert (title.kind, title.text) == ("title", "# 标题 | ::signature x")
    assert (para.kind, para.text) == ("para", "# 标题 | ::signature x")
    assert table.rows == (("# 标题 | ::signature x", "一\n二"),)


def test_a_broken_template_names_its_line():
    with pytest.raises(TemplateProblem) as syntax:
        preview("closure_notice", "text", "# {{ title }}\n正文\n{% if ended %}未闭合\n".encode())
    assert syntax.value.line == 3
    with pytest.raises(TemplateProblem) as unknown:
        preview("closure_notice", "text", b"# {{ title }}\n{{ no_such_field }}\n")
    assert unknown.value.line == 2 and "no_such_field" in unknown.value.message
    with pytest.raises(TemplateProblem, match="unsafe"):
        preview("closure_notice", "text", b"{{ ''.__class__.__mro__ }}")  # the sandbox refuses
    with pytest.raises(TemplateProblem, match="more than"):  # a loop gone wrong stops, memory intact
        preview("closure_notice", "text", b"{% for a in range(100000) %}{{ 'x' * 60 }}{% endfor %}")
    with pytest.raises(TemplateProblem, match="Word"):
        preview("closure_notice", "docx", b"PK but no zip")


@pytest.mark.parametrize(
    ("kind", "build"),
    [
        ("closure_notice", lambda ledger: notice_context(dossier())),
        ("petition_notice", lambda ledger: petition_context(PETITION)),
        ("progress_report", lambda ledger: report_context(snapshot(ledger))),
    ],
)
def test_the_worker_fills_exactly_the_documented_variables(kind, build, ledger):
    """The schema served to offices names what the worker really fills in, no more, no less."""

    def names(tree: dict, prefix: str = "") -> set[str]:
        out = set()
        for key, value in tree.items():
            out.add(prefix + key)
            if isinstance(value, dict):
                out |= names(value, f"{prefix}{key}.")
        return out

    assert names(build(ledger)) == names(example_context(kind))


def figures(total, closed, stage, going, **acc) -> PetitionFigures:
    f = PetitionFigures(total=total, batch_nos=list(range(1, 18)))
    f.by_state[PetitionState.closed], f.by_state[PetitionState.closed_in_stage] = closed, stage
    f.by_state[PetitionState.in_progress] = going
    f.accountability.update(acc)
    return f


PETITION = PetitionNotice(
    HEADER,
    date(2022, 4, 20),
    MoneyUnit.yuan,
    BatchFigures(17, date(2022, 4, 19), figures(4, 2, 1, 1, penalty_cases=2)),
    figures(60, 50, 6, 4, ordered_rectification=9),
    published_late=((15, 2),),
)
CLOSURE_EDITED = """# 关于{{ inspection }}序号{{ issue.seq | cn }}整改任务拟销号的公示
根据《锡林郭勒盟生态环境保护督察整改工作实施办法》，{{ lead_org }}牵头的序号{{ issue.seq | cn }}整改任务已完成整改，现予公示，公示期为{{ publicity.start | cn_date }}至{{ publicity.end | cn_date }}。如有异议，请实名反映。联系电话：{{ publicity.contact }}。
特此公示。
附件：锡林浩特市生活垃圾填埋场整改完成情况
::signature 锡林郭勒盟河湖管理中心
::date {{ publicity.start | cn_date }}
::label 附件
| 项目 | 内容 |
| 整改任务 | {{ issue.description }} |
| 责任单位 | {{ units | join('、') }} |
{% for m in measures %}
| 措施{{ loop.index | number('⑴') }} | {{ m }} |
{% endfor %}
"""


def test_the_closure_notice_default_and_an_office_edit():
    default = all_formats(render_notice, dossier())
    assert_everywhere(
        default,
        ["一、整改任务", "二、公示期限", "公示期为2025年9月26日至2025年10月15日（10个工作日）", "（牵头）"],
        ["特此公示", "序号八"],
    )
    edited = all_formats(render_notice, dossier(template=text_template(CLOSURE_EDITED)))
    assert_everywhere(
        edited,
        [
            "序号八整改任务拟销号的公示",
            "根据《锡林郭勒盟生态环境保护督察整改工作实施办法》",
            "特此公示。",
            "锡林郭勒盟河湖管理中心",
            "措施⑵",
            "联系电话：0479-8888888。",
        ],
        # one paragraph: no fixed headings, no doubled 联系方式, no appended day count, no （牵头）
        ["一、整改任务", "三、意见反馈", "联系方式：", "（10个工作日）", "（牵头）", "公示媒介"],
    )
    table = docx.Document(io.BytesIO(render_notice(dossier(template=text_template(CLOSURE_EDITED)), ReportFormat.docx)))
    assert [row.cells[0].text for row in table.tables[0].rows] == ["项目", "整改任务", "责任单位", "措施⑴", "措施⑵"]


PETITION_EDITED = """# {{ org_name }}{{ inspection }}边督边改信访举报件办理情况（第{{ batch.no | cn }}批）
{{ month_day }}，{{ area }}已对{{ team }}交办的第{{ batch.no | cn }}批{{ batch.total }}件信访举报件进行调查处理，其中，{{ [batch.closed | count('已办结', '件'), batch.closed_in_stage | count('阶段性办结', '件'), batch.in_progress | count('正在办理', '件')] | join_nonempty('、') }}{% if batch.ordered_rectification or batch.penalty_cases %}；{{ [batch.ordered_rectification | count('责令整改', '家'), batch.penalty_cases | count('立案处罚', '家')] | join_nonempty('、') }}{% endif %}。
{% for b in published_late %}
另，第{{ b.batch_no | cn }}批中有{{ b.cases }}件信访举报件于今日公开。
{% endfor %}
::signature 锡林郭勒盟生态环境保护督察整改工作领导小组办公室
::date {{ as_of | cn_date }}
"""


def test_the_petition_notice_default_and_an_office_edit():
    default = all_formats(render_petition, PETITION)
    assert_everywhere(default, ["第17批4件", "未办结1件", "责令整改0家", "截至4月20日"], ["第十七批", "正在办理"])
    edited = all_formats(render_petition, dataclasses.replace(PETITION, template=text_template(PETITION_EDITED)))
    assert_everywhere(
        edited,
        [
            "（第十七批）",
            "第十七批4件",
            "正在办理1件",
            "；立案处罚2家。",
            "锡林郭勒盟生态环境保护督察整改工作领导小组办公室",
        ],
        # zero counts vanish, and the cumulative sentence was not asked for
        ["责令整改0家", "未办结", "截至4月20日", "第17批"],
    )


PROGRESS_EDITED = """# {{ org_name }}关于{{ inspection }}整改落实情况的报告
{{ background }}截至{{ as_of | cn_date }}，{{ org_name }}{{ aspect_count | aspects(figures.total) }}整改任务已完成整改{{ figures.completed }}项。
::sections
::signature {{ org_name }}生态环境保护督察整改工作领导小组
::date {{ as_of | cn_date }}
::label 附件一
::attachment 1、
"""


def test_the_progress_report_default_and_an_office_edit(ledger):
    data = snapshot(ledger, on_schedule=1, behind=1)
    default = all_formats(render_progress, data)
    assert_everywhere(
        default, ["整改落实情况报告", "，正在推进", "附件", "（二）盟能源局对照"], ["个方面", "2、盟能源局"]
    )
    edited = all_formats(render_progress, dataclasses.replace(data, template=text_template(PROGRESS_EDITED)))
    aspects_count, total = len(ledger.categories), sum(len(c.issues) for c in ledger.categories)
    assert_everywhere(
        edited,
        [
            "锡林郭勒盟关于第二轮中央生态环境保护督察整改落实情况的报告",
            f"锡林郭勒盟{aspects_count}个方面{total}项整改任务已完成整改",
            "一、坚决扛起政治责任",  # the office's narrative stays where ::sections puts it
            "锡林郭勒盟生态环境保护督察整改工作领导小组",
            "附件一",
            "2、盟能源局对照",  # the ledger's measures numbered 1、 2、 …
        ],
        ["，正在推进", "（二）盟能源局对照"],  # no in-progress count; no （一） numbering
    )


def word_template() -> bytes:
    """An office's Word template: Jinja in the paragraphs, the signature right-aligned."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    doc = docx.Document()
    doc.add_paragraph("{{ org_name }}边督边改信访举报件办理情况（第{{ batch.no | cn }}批）", style="Title")
    doc.add_paragraph(
        "{{ month_day }}，{{ area }}收到第{{ batch.no | cn }}批{{ batch.total }}件，"
        "{{ batch.in_progress | count('正在办理', '件') }}"
        "{{ batch.ordered_rectification | count('，责令整改', '家') }}。"
    )
    doc.add_paragraph("{%p if cumulative.total %}")
    doc.add_paragraph("累计{{ cumulative.total }}件。")
    doc.add_paragraph("{%p endif %}")
    for text in ("{{ office }}", "{{ as_of | cn_date }}"):
        doc.add_paragraph(text).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    raw = io.BytesIO()
    doc.save(raw)
    return raw.getvalue()


def test_a_word_template_changes_every_format():
    notice = dataclasses.replace(PETITION, template=TemplateChoice("docx", word_template(), version=3))
    texts = all_formats(render_petition, notice)
    assert_everywhere(
        texts,
        [
            "锡林郭勒盟边督边改信访举报件办理情况（第十七批）",
            "4月20日，全盟收到第十七批4件，正在办理1件。",
            "累计60件。",
            "2022年4月20日",
        ],
        ["责令整改", "{{", "{%"],
    )
    md = render_petition(notice, ReportFormat.md).decode()
    assert md.startswith("# 锡林郭勒盟边督边改信访举报件办理情况（第十七批）")  # the Title style is the title


@pytest.mark.parametrize("kind", ["closure_notice", "petition_notice"])
def test_the_word_starter_says_what_the_default_says(kind):
    """`?format=docx` lays the default out in Word; filled in, it reads back as the same blocks."""
    context = notice_context(dossier()) if kind == "closure_notice" else petition_context(PETITION)
    source = default_template(kind)
    assert docx_blocks(render_docx(starter_docx(source), context)) == render_text(source, context, BLOCK_KINDS[kind])
