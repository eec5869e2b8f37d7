"""The fixed wording of official reports: Chinese numerals, dates, titles, file names."""

from datetime import date

# the numerals and dates of every document are the templates' filters (one spelling of 十七 and 2025年12月29日)
from rectify_shared.document_templates.filters import chinese_date as chinese_date
from rectify_shared.document_templates.filters import chinese_numeral as chinese_numeral
from rectify_shared.titles import document_title, inspection_name


def measure_label(seq: int) -> str:
    """（一）（二）…: how measures are numbered under an issue."""
    return f"（{chinese_numeral(seq)}）"


def inspection_title(round_name: str) -> str:
    """The round's name with its 督察, never doubled (see `rectify_shared.titles`)."""
    return inspection_name(round_name)


def ledger_title(org_name: str, round_name: str) -> str:
    return document_title("ledger", round_name, org=org_name)


def ledger_file_name(org_name: str, as_of: date, extension: str) -> str:
    """锡林郭勒盟督察整改台账（截至2024-12-15）.xlsx; path separators never reach a file name."""
    safe_org = "".join("_" if ch in '/\\:*?"<>|' or ch < " " else ch for ch in org_name).strip() or "报告"
    return f"{safe_org}督察整改台账（截至{as_of.isoformat()}）.{extension}"
