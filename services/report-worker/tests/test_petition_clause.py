"""The progress report's petition clause, from figures alone."""

from rectify_shared.enums import PetitionState
from rectify_shared.petition_stats import PetitionFigures
from report_worker.render.progress_report import petition_clause


def figures(closed: int, in_stage: int, open_: int, certifiers: list[str]) -> PetitionFigures:
    f = PetitionFigures(total=closed + in_stage + open_, batch_nos=[1, 2, 3])
    f.by_state[PetitionState.closed], f.by_state[PetitionState.closed_in_stage] = closed, in_stage
    f.by_state[PetitionState.in_progress] = open_
    f.certified, f.certifiers = closed, certifiers
    return f


def test_no_cases_no_clause():
    assert petition_clause(None) == "" and petition_clause(PetitionFigures()) == ""


def test_all_certified_names_the_certifiers():
    assert (
        petition_clause(figures(5, 0, 0, ["自治区生态环境厅"]))
        == "转办的3批5件群众信访举报案件，已全部经自治区生态环境厅认定办结"
    )
    many = figures(5, 0, 0, ["自治区生态环境厅", "自治区水利厅"])
    assert petition_clause(many) == "转办的3批5件群众信访举报案件，已全部经自治区相关厅局认定办结"
    assert petition_clause(figures(5, 0, 0, ["自治区水利厅", "某市生态环境局"])).endswith(
        "已全部经上级相关部门认定办结"
    )


def test_open_cases_are_counted_by_state():
    assert (
        petition_clause(figures(3, 1, 2, ["自治区水利厅"]))
        == "转办的3批6件群众信访举报案件，已办结3件、阶段性办结1件、正在办理2件"
    )
    assert petition_clause(figures(0, 0, 4, [])) == "转办的3批4件群众信访举报案件，正在办理4件"
