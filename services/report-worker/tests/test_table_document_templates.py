# ruff: noqa: E501 (a template is one block a line, however long)
"""The table documents drawn from the office's template — 具体问题整改进展情况, the 台账, the 信访件一览表
and 指标完成情况: for each the shipped default and an office-edited template (other wording,
numbering and columns) render the same data, and every format says what the template says. Also:
Word templates for the 调度 summary and the progress report, and the 销号审批表 as OFD."""

import dataclasses
import io
import re
from decimal import Decimal

import docx
import openpyxl
import pytest

from rectify_shared.document_templates import example_context, preview, render_text
from rectify_shared.enums import ReportFormat
from rectify_shared.indicator_figures import Reported, Spec, figures
from rectify_shared.indicators import Direction, IndicatorKind
from rectify_shared.periods import parse_period
from report_worker.kinds import get
from report_worker.render.indicators import IndicatorItem, IndicatorsSnapshot, report_context
from report_worker.render.ledger_templates import issue_progress_context, ledger_context
from report_worker.render.petition_table import table_context
from report_worker.snapshot import LedgerSnapshot
from report_worker.templating import TemplateChoice

from .conftest import AS_OF
from .test_document_templates import all_formats, assert_everywhere, docx_text, pdf_text, text_template
from .test_security_xlsx_text import petition_table


def names(tree: dict, prefix: str = "") -> set[str]:
    out = set()
    for key, value in tree.items():
        out.add(prefix + key)
        if isinstance(value, dict):
            out |= names(value, f"{prefix}{key}.")
    return out


def render(kind: str, data, fmt: ReportFormat) -> bytes:
    return get(kind).render(data, fmt)


def formats_of(kind: str, data) -> dict[str, str]:
    return all_formats(lambda d, fmt: render(kind, d, fmt), data)


def with_template(ledger: LedgerSnapshot, kind: str, source: str) -> LedgerSnapshot:
    return dataclasses.replace(ledger, templates={**ledger.templates, kind: text_template(source)})


def indicators_snapshot() -> IndicatorsSnapshot:
    area = Spec("露天矿山地质环境治理面积", "平方公里", IndicatorKind.cumulative, Direction.HIGHER, target=Decimal(100))
    reported = [Reported(parse_period("2024-06"), Decimal(20)), Reported(parse_period("2024-11"), Decimal("41.11"))]
    quality = Spec("城市集中式饮用水水源水质", "", IndicatorKind.qualitative, Direction.HIGHER, target_text="保持达标")
    items = [
        IndicatorItem(
            area,
            reported,
            ["盟自然资源局", "盟自然资源局"],
            figures(area, reported, AS_OF, AS_OF),
            "完成治理61.11平方公里",
        ),
        IndicatorItem(quality, [], [], figures(quality, [], AS_OF, AS_OF), None),
    ]
    return IndicatorsSnapshot("第二轮中央生态环境保护督察", "锡林郭勒盟", AS_OF, items)


@pytest.mark.parametrize(
    ("kind", "build"),
    [
        ("issue_progress", lambda ledger: issue_progress_context(ledger)),
        ("ledger", lambda ledger: ledger_context(ledger)),
        ("petition_table", lambda ledger: table_context(petition_table(["某企业夜间偷排废水。"]))),
        ("indicators", lambda ledger: report_context(indicators_snapshot())),
    ],
)
def test_the_worker_fills_exactly_the_documented_variables(kind, build, ledger):
    assert names(build(ledger)) == names(example_context(kind))
    # …and the aspects' and rows' items carry the documented keys too
    context, example = build(ledger), example_context(kind)
    for key in ("aspects", "rows", "items"):
        if context.get(key) and example.get(key):
            assert set(context[key][0]) == set(example[key][0]), key


ISSUE_PROGRESS_EDITED = """# {{ org_name }}{{ inspection }}反馈问题整改情况（{{ aspect_count | aspects(issue_count) }}）
{% for a in aspects %}
## {{ loop.index | number('（一）') }}{{ a.name }}
{% for i in a.issues %}
序号{{ i.seq | cn }}　{{ i.description }}（{{ i.status_text }}；牵头：{{ i.lead_org }}）
{% for m in i.measures %}
{{ loop.index | number('⑴') }}{{ m.text }}
{% endfor %}
{% endfor %}
{% endfor %}
"""


def test_issue_progress_default_and_an_office_edit(ledger):
    default = formats_of("issue_progress", ledger)
    assert_everywhere(
        default,
        [
            "一、贯彻落实习近平生态文明思想还不到位方面",
            "3.不仅矿山开采",
            "整改进展情况：正在推进",
            "（二）盟能源局对照",
        ],
        ["序号三", "⑵"],
    )
    assert default["md"].rstrip().endswith("数据截至 2024年12月15日") and "数据截至" not in default["docx"]
    edited = formats_of("issue_progress", with_template(ledger, "issue_progress", ISSUE_PROGRESS_EDITED))
    assert_everywhere(
        edited,
        [
            "锡林郭勒盟第二轮中央生态环境保护督察反馈问题整改情况（2个方面3项）",
            "（二）其他需要关注的问题方面",
            "序号三　不仅矿山开采侵占草原林地问题突出，生态修复治理也进展滞后。（正在推进；牵头：盟自然资源局）",
            "⑵盟能源局对照",
        ],
        ["整改进展情况：", "一、贯彻落实", "（二）盟能源局", "数据截至"],
    )
    # the ledger's md is this text, from the same template
    assert (
        render("ledger", with_template(ledger, "issue_progress", ISSUE_PROGRESS_EDITED), ReportFormat.md)
        .decode()
        .startswith("# 锡林郭勒盟第二轮中央生态环境保护督察反馈问题整改情况")
    )


LEDGER_EDITED = """# {{ org_name }}督察整改台账（截至{{ as_of_text }}）
::mark 按第{{ aspect_count | cn }}方面排列，逾期以工作日计
::merge 2
| 编号 | 反馈问题 | 整改措施 | 进展 |
{% for r in rows %}
{% if r.heading %}
| {{ r.heading }} | | | |
{% else %}
| 序号{{ r.number }} | {{ r.description }} | {{ r.measure }} | {{ r.latest_progress or '—' }} |
{% endif %}
{% endfor %}
"""


def test_the_ledger_table_default_and_an_office_edit(ledger):
    docx_default = docx.Document(io.BytesIO(render("ledger", ledger, ReportFormat.docx))).tables[0]
    assert [c.text for c in docx_default.rows[0].cells][:3] == ["序号", "反馈问题", "整改状态"]
    office = with_template(ledger, "ledger", LEDGER_EDITED)
    texts = {
        "docx": docx_text(render("ledger", office, ReportFormat.docx)),
        "pdf": pdf_text(render("ledger", office, ReportFormat.pdf)),
    }
    assert_everywhere(
        texts,
        ["锡林郭勒盟督察整改台账（截至2024年12月15日）", "按第二方面排列", "编号", "序号3", "（二）盟能源局对照", "—"],
        ["整改状态", "完成时限", "逾期工作日"],
    )
    table = docx.Document(io.BytesIO(render("ledger", office, ReportFormat.docx))).tables[0]
    assert [c.text for c in table.rows[0].cells] == ["编号", "反馈问题", "整改措施", "进展"]
    # the task's two columns span its three measure rows (::merge 2); the heading spans the table
    first, second = table.rows[2].cells, table.rows[3].cells
    assert first[0]._tc is second[0]._tc and first[1]._tc is second[1]._tc and first[2]._tc is not second[2]._tc
    assert len({c._tc for c in table.rows[1].cells}) == 1
    # the rows keep their colours: the overdue measure's cell is shaded
    assert 'w:fill="FFC7CE"' in table._tbl.xml


PETITION_TABLE_EDITED = """# {{ org_name }}第{{ batch_no | cn }}批信访件办理情况
{{ transferred_on | cn_date }}交办，共{{ count }}件。
| 编号 | 反映问题 | 办理结果 |
{% for r in rows %}
| {{ r.intake_no }} | {{ r.content }} | {{ r.verdict }}；{{ r.handling }} |
{% endfor %}
::mark 制表：{{ office }}
"""


def test_the_petition_table_default_and_an_office_edit():
    data = petition_table(["某企业夜间偷排废水。", "某养殖场粪污直排。"])
    default = formats_of("petition_table", data)
    assert_everywhere(default, ["第1批信访举报件办理情况一览表", "交办问题基本情况", "D2"], ["办理结果"])
    edited_data = dataclasses.replace(data, template=text_template(PETITION_TABLE_EDITED))
    edited = formats_of("petition_table", edited_data)
    assert_everywhere(
        edited,
        [
            "锡林郭勒盟第一批信访件办理情况",
            "2024年11月1日交办，共2件。",
            "办理结果",
            "属实；某养殖场粪污直排。",
            "制表：锡林郭勒盟整改办",
        ],
        ["交办问题基本情况", "行政区域", "中央第三督察组"],
    )
    sheet = openpyxl.load_workbook(io.BytesIO(render("petition_table", edited_data, ReportFormat.xlsx))).active
    assert sheet["A1"].value == "锡林郭勒盟第一批信访件办理情况" and sheet["A2"].value == "2024年11月1日交办，共2件。"
    assert [c.value for c in sheet[3]][:3] == ["编号", "反映问题", "办理结果"] and sheet["A4"].value == "D1"
    # no case in the batch: the default's line sits in the table
    empty = docx.Document(io.BytesIO(render("petition_table", petition_table([]), ReportFormat.docx))).tables[0]
    assert empty.rows[1].cells[0].text == "本批次在统计范围内无信访举报件。"


INDICATORS_EDITED = """# {{ org_name }}督察整改指标进展（{{ as_of | cn_date }}）
{% for item in items %}
### {{ item.n | number('1.') }}{{ item.name }}
目标：{{ item.target }}{% if item.qualitative %}（定性指标）{% endif %}。
{% if item.reported %}
{{ item.sentence }}。
::chart {{ item.n }}
{% else %}
暂未填报数据。
{% endif %}
{% endfor %}
"""


def test_the_indicators_report_default_and_an_office_edit():
    data = indicators_snapshot()
    default = formats_of("indicators", data)
    assert_everywhere(
        default, ["一、露天矿山地质环境治理面积", "目标：保持达标。", "报告期", "尚未填报。"], ["定性指标"]
    )
    office = dataclasses.replace(data, template=text_template(INDICATORS_EDITED))
    edited = formats_of("indicators", office)
    assert_everywhere(
        edited,
        [
            "锡林郭勒盟督察整改指标进展（2024年12月15日）",
            "1.露天矿山地质环境治理面积",
            "目标：100平方公里。",
            "2.城市集中式饮用水水源水质",
            "目标：保持达标（定性指标）。",
            "暂未填报数据。",
        ],
        ["一、露天矿山", "报告期", "尚未填报"],
    )
    # the chart is where ::chart puts it, in Word (and the PDF), never in the Markdown
    assert len(docx.Document(io.BytesIO(render("indicators", office, ReportFormat.docx))).inline_shapes) == 1
    assert "::chart" not in edited["md"]


def test_new_kinds_refuse_a_broken_template_with_its_line():
    from rectify_shared.document_templates import TemplateProblem

    with pytest.raises(TemplateProblem) as bad:
        preview(
            "ledger", "text", b"# {{ title }}\n| a | b |\n{% for r in rows %}\n| {{ r.nope }} | x |\n{% endfor %}\n"
        )
    assert bad.value.line == 4
    with pytest.raises(TemplateProblem, match="unknown block"):
        preview("indicators", "text", b"# x\n::sections\n")


def word(*lines: str) -> bytes:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    doc = docx.Document()
    doc.add_paragraph(lines[0], style="Title")
    for line in lines[1:]:
        paragraph = doc.add_paragraph(line.removeprefix(">"))
        if line.startswith(">"):
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    raw = io.BytesIO()
    doc.save(raw)
    return raw.getvalue()


def test_a_word_template_for_the_dispatch_summary():
    from .test_dispatch_summary import summary

    template = word(
        "{{ office }}{{ period_text }}调度通报",
        "应报送{{ figures.owed }}家{{ figures.missing | count('，未报送', '家') }}。",
        ">{{ office }}督察整改办",
        ">{{ as_of | cn_date }}",
    )
    office = dataclasses.replace(summary(1), template=TemplateChoice("docx", template, version=2))
    texts = all_formats(get("dispatch_summary").render, office)
    assert_everywhere(
        texts,
        ["锡林郭勒盟2024年第50周调度通报", "应报送4家，未报送2家。", "锡林郭勒盟督察整改办"],
        ["一、总体情况", "{{"],
    )


def test_a_word_template_for_the_progress_report(ledger):
    from .test_progress_report import snapshot

    template = word(
        "{{ org_name }}关于{{ inspection }}整改情况的报告",
        "截至{{ as_of | cn_date }}，{{ aspect_count | aspects(figures.total) }}整改任务已完成{{ figures.completed }}项。",
        "::sections",
        "附件一",
        "::attachment 1、",
        ">{{ org_name }}督察整改领导小组",
    )
    data = dataclasses.replace(snapshot(ledger), template=TemplateChoice("docx", template, version=1))
    preview("progress_report", "docx", template)  # the upload's check takes it
    texts = all_formats(get("progress_report").render, data)
    assert_everywhere(
        texts,
        [
            "锡林郭勒盟关于第二轮中央生态环境保护督察整改情况的报告",
            "2个方面3项整改任务已完成1项",
            "一、坚决扛起政治责任",  # the narrative where ::sections stands
            "附件一",
            "2、盟能源局对照",  # the attachment where ::attachment 1、 stands, its measures numbered 1、
            "锡林郭勒盟督察整改领导小组",
        ],
        ["::sections", "::attachment", "（二）盟能源局对照"],
    )
    doc = docx.Document(io.BytesIO(get("progress_report").render(data, ReportFormat.docx)))
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings[0].startswith("一、坚决扛起政治责任") and "一、贯彻落实习近平生态文明思想还不到位方面" in headings


def test_the_closure_form_as_ofd():
    from report_worker.pdf import cjk_font_available
    from report_worker.render.ofd import read_ofd

    from .test_closure_documents import dossier
    from .test_closure_form_template import EDITED

    if not cjk_font_available():
        pytest.skip("no CJK font installed")
    assert ReportFormat.ofd in get("closure_form").formats
    office = dataclasses.replace(dossier(), form_template=TemplateChoice("text", EDITED.encode("utf-8"), version=1))
    for data, words in (
        (dossier(), ["销号审批表", "意见及情况"]),
        (office, ["锡林郭勒盟督察整改任务销号审批表", "验收意见⑵", "锡林郭勒盟（盖章）"]),
    ):
        doc = read_ofd(get("closure_form").render(data, ReportFormat.ofd))
        text = "".join(line for page in doc.pages for line in page if not re.fullmatch(r"— \d+ —", line))
        for w in words:
            assert w in text.replace(" ", ""), w
        assert len(doc.fonts) == 1


@pytest.mark.parametrize("kind", ["issue_progress", "petition_table", "progress_report", "dispatch_summary"])
def test_the_word_starter_of_a_new_word_kind_says_what_the_default_says(kind):
    """`?format=docx` lays the default out in Word (placeholders such as ::sections kept as lines);
    filled in with the example data it reads back as the text template's blocks."""
    from rectify_shared.document_templates import BLOCK_KINDS, DOCX_KINDS, default_template, docx_blocks, render_docx
    from rectify_shared.document_templates.starter import starter_docx

    assert kind in DOCX_KINDS
    source, context = default_template(kind), example_context(kind)
    filled = docx_blocks(render_docx(starter_docx(source), context), BLOCK_KINDS[kind])
    assert filled == render_text(source, context, BLOCK_KINDS[kind])
