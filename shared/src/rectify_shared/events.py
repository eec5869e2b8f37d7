"""The event catalogue: the types webhooks and the change feed carry, with their meaning.

Every event shares one envelope: {"id", "type", "timestamp", "data"}.
"""

EVENT_TYPES: dict[str, str] = {
    "org.created": "an org was added to the tree",
    "org.updated": "an org's name, contacts, order or code changed (data: the changed fields)",
    "org.moved": "an org and its subtree moved under another parent (data: from/to parent and path)",
    "round.created": "an inspection round was created",
    "round.document_settings_replaced": "a round's document settings (status words, numbering styles) were replaced",
    "issue.created": "a problem entered the ledger",
    "issue.updated": "a problem's fields changed (deadline, orgs, texts…)",
    "issue.status_changed": "a problem's status changed (data: from, to, reason)",
    "issue.withdrawn": "a mistaken problem was withdrawn",
    "issue.deadline_recomputed": "a provisional deadline was recomputed on official calendar data",
    "measure.created": "a measure was added",
    "measure.updated": "a measure changed",
    "measure.withdrawn": "a mistaken measure was withdrawn",
    "measure.deadline_recomputed": "a provisional deadline was recomputed on official calendar data",
    "progress.reported": "a unit reported progress",
    "indicator.created": "an indicator (指标) with its target was defined",
    "indicator.value_reported": "a figure was reported for an indicator and period (data: period, org_id, replaced)",
    "dispatch.opened": "a dispatch round (调度) was opened",
    "escalation.created": "the ladder (or the office) created an escalation",
    "escalation.issued": "an escalation was issued (it goes out to its addressee)",
    "escalation.responded": "the addressed unit answered",
    "escalation.resolved": "an escalation's cause went away",
    "escalation.withdrawn": "the office withdrew an escalation",
    "report.done": "a requested report is ready",
    "attachment.uploaded": "evidence (佐证材料) was uploaded",
    "attachment.linked": "evidence was filed for a progress report or a closure",
    "closure.applied": "a unit applied for 销号 (data: from, to, comment)",
    "closure.reviewed": "the lead unit agreed; acceptance begins",
    "closure.accepted": "an acceptance level accepted (data: level, levels, org_id)",
    "closure.rejected": "the application went back to the unit (data: comment = the reason)",
    "closure.publicity_started": "the public notice (公示) began (data: start, end, days, day_kind)",
    "closure.objection_filed": "an objection was filed during the notice (no personal data in the event)",
    "closure.objection_decided": "the office decided an objection (data: upheld; upheld reopens the task)",
    "closure.written_off": "the task was written off (已销号): the issue is closed",
    "closure_policy.replaced": "a round's closure policy was set (data: the whole policy)",
    "closure.reopened": "a relapse (反弹) sent the closure back to the unit (data: comment = the reason)",
    "issue.attested": "a unit re-attested a long-term task (长期坚持) for the period (data: period, next_due)",
    "issue.relapsed": "a finished task relapsed (反弹) and is in progress again (data: reason, source)",
    "extension.requested": "a unit asked for a later deadline",
    "extension.approved": "the office approved an extension: the deadline moved (data: from, to)",
    "extension.rejected": "the office refused an extension",
    "petition_batch.created": "the inspection team transferred a batch of petition cases (信访举报件)",
    "petition_case.created": "a petition case was registered (by hand or by a batch import)",
    "petition_case.updated": "a petition case's fields or state changed (data: changes)",
    "petition_case.closed": "a petition case was certified closed (已办结) by an upper-level department",
}


def new_webhook_secret() -> str:
    """`whsec_` + base64 of 24 random bytes (the Standard Webhooks secret format)."""
    import base64
    import secrets

    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
