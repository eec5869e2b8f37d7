"""The 销号审批表 drawn from the office's template: the shipped default and an office's own form
(its title, row labels, 序号八, levels numbered ⑴, a signature) render the same closure, and md,
docx and pdf say what the template says."""

import dataclasses
import io

import docx

from rectify_shared.document_templates import (
    BLOCK_KINDS,
    default_template,
    docx_blocks,
    example_context,
    render_docx,
    render_text,
)
from rectify_shared.document_templates.starter import starter_docx
from rectify_shared.enums import ReportFormat
from report_worker.kinds.closure_documents import render_form
from report_worker.render.closure_documents import form_context
from report_worker.templating import TemplateChoice

from .test_closure_documents import dossier
from .test_document_templates import all_formats, assert_everywhere

EDITED = """# {{ office }}督察整改任务销号审批表
::mark 编号：序号{{ issue.seq | cn }}
| 栏目 | 内容 |
| 整改任务 | 序号{{ issue.seq | cn }}：{{ issue.description }} |
| 牵头单位 | {{ lead_org }} |
| 配合单位 | {{ units | join('、') }} |
| 完成情况 | {{ completion }} |
| 牵头单位意见 | {{ review.comment }}（{{ review.on | cn_date }}） |
{% for level in levels %}
| 验收意见{{ level.n | number('⑴') }} | {{ level.org }}：{{ level.comment or '验收通过' }} |
{% endfor %}
| 公示情况 | 异议{{ publicity.objections }}件，成立{{ publicity.objections_upheld }}件 |
| 销号意见 | {{ write_off.text }} |
::signature {{ office }}（盖章）
::date {{ as_of | cn_date }}
"""


def test_the_closure_form_default_and_an_office_edit() -> None:
    default = all_formats(render_form, dossier())  # the default's three formats
    assert_everywhere(
        default, ["意见及情况", "第2级验收意见（锡林郭勒盟）", "（当前环节：", "第8项："], ["序号八", "（盖章）"]
    )
    office = dataclasses.replace(dossier(), form_template=TemplateChoice("text", EDITED.encode("utf-8"), version=1))
    edited = all_formats(render_form, office)
    assert_everywhere(
        edited,
        [
            "锡林郭勒盟督察整改任务销号审批表",
            "编号：序号八",
            "序号八：锡林浩特市生活垃圾填埋场",
            "配合单位",
            "验收意见⑵",
            "锡林郭勒盟：验收通过",
            "异议0件，成立0件",
            "（待销号）",
            "锡林郭勒盟（盖章）",
        ],
        ["意见及情况", "第1级验收意见", "（当前环节", "第8项"],
    )
    table = docx.Document(io.BytesIO(render_form(office, ReportFormat.docx))).tables[0]
    assert [row.cells[0].text for row in table.rows][-4:] == ["验收意见⑴", "验收意见⑵", "公示情况", "销号意见"]


def test_the_form_fills_exactly_the_documented_variables_and_its_word_starter_reads_back() -> None:
    def names(tree: dict, prefix: str = "") -> set[str]:
        out = set()
        for key, value in tree.items():
            out.add(prefix + key)
            if isinstance(value, dict):
                out |= names(value, f"{prefix}{key}.")
        return out

    context = form_context(dossier())
    assert names(context) == names(example_context("closure_form"))
    source = default_template("closure_form")
    filled = docx_blocks(render_docx(starter_docx(source), context))
    assert filled == render_text(source, context, BLOCK_KINDS["closure_form"])
