"""`petition_table`: 信访举报件办理情况一览表 of one batch (`params["batch_id"]`) in xlsx, docx, pdf, md."""

from rectify_shared.enums import REPORT_FORMATS, ReportFormat, ReportKind

from ..petition_data import PetitionTable, load_table
from ..render.petition_table import (
    render_table_docx,
    render_table_md,
    render_table_pdf,
    render_table_xlsx,
    table_file_name,
)
from . import Kind, register

RENDERERS = {
    ReportFormat.md: render_table_md,
    ReportFormat.xlsx: render_table_xlsx,
    ReportFormat.docx: render_table_docx,
    ReportFormat.pdf: render_table_pdf,
}


def render(table: PetitionTable, fmt: ReportFormat) -> bytes:
    if fmt not in RENDERERS:
        raise ValueError(f"a petition table is not rendered as {fmt}")
    return RENDERERS[fmt](table)


KIND = register(
    Kind(
        name=ReportKind.petition_table.value,
        formats=REPORT_FORMATS[ReportKind.petition_table],
        load=load_table,
        render=render,
        file_name=lambda table, fmt: table_file_name(table, fmt.value),
    )
)
