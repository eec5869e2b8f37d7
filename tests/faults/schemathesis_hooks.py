"""schemathesis hooks for Rectify (loaded by `schemathesis.toml`, so `schemathesis run` from the repo
root and `tests/faults/test_schemathesis.py` fuzz the same way). What the API needs of a client and
JSON Schema cannot say is stated here, once, each with its reason:

* `Idempotency-Key` is a fresh value per new request (the document's header description says so):
  a key the fuzzer generated twice for two different requests is rightly a 422
  `idempotency_key_reused`, so every schema-valid key is replaced with a new UUID before the call.
  A replay of the same request is what `tests/faults/test_idempotency*.py` test.
* Opaque tokens (`cursor`, the change feed's `after`) come from the server: a generated string of
  the documented alphabet and length is rejected with 422 `invalid_cursor` unless the server made
  it. The stateful phase feeds real ones through the document's links.
* Rules that JSON Schema cannot state (across fields, against stored rows, an upload's content
  type) are listed in `CROSS_FIELD` with the field the server names: a schema-valid request that
  breaks one is rejected with a 422 (415 for an upload) naming that field, which is the documented
  answer, not a contract mismatch. A body field naming another row (`*_id`, `*_ids`) must name one
  the caller can see. Any other rejection of a schema-valid request still fails the run.
* The fuzzer's own account (`RECTIFY_FUZZ_USER_ID`) and session (`RECTIFY_FUZZ_SESSION_REF`) are
  left alone: disabling the account, changing its password or revoking the session would end the run.
"""

import os
import re
import uuid
from typing import Any

import schemathesis

_KEY = re.compile(r"^[!-~]{1,255}$")
NO_SUCH_ID = 2**31
#: (method, path) -> {field named in the 422's details: the rule}; ("*", "*") holds for every operation.
#: Each rule is in the operation's description or the field's; JSON Schema cannot state it.
_DEADLINE = {"body": "a deadline or a working_days_after deadline_rule, not both"}
_OCCURRED = {"body.occurred_on": "not in the future (today's date), not before the round's stay_start (a stored row)"}
_REPORTED = {"body.reported_at": "not in the future"}
_TEMPLATE_UPLOAD = {
    "body": "a template that renders for the path's kind (its example data drawn through it)",
    "query": "round_id or org_id, not both",
    "header.content-type": "a .docx only for the path's kinds that take one (text otherwise)",
}
_PASSWORD = "the password policy: 3 of 4 character classes, not the username, not a common password"
CROSS_FIELD: dict[tuple[str, str], dict[str, str]] = {
    ("*", "*"): {
        "query.cursor": "a cursor is one the server gave for this list and sort",
        "query.after": "a change-feed cursor is one the server gave",
        "header.last-event-id": "a feed position the server gave",
        "body.file": "an upload's type is read from its content, not its name",
        "file": "an upload's type is read from its content, not its name",
        # `format: email` says the syntax; email-validator also refuses special-use domains (.test …)
        "body.email": "a deliverable address (no special-use domain such as .test or .local)",
        "body.contact_email": "a deliverable address (no special-use domain such as .test or .local)",
    },
    ("GET", "/api/v1/calendar/days"): {"query.to": "`to` is not before `from`, and at most 366 days on"},
    ("POST", "/api/v1/issues"): {**_DEADLINE, **_OCCURRED},
    ("PATCH", "/api/v1/issues/{issue_id}"): {
        **_DEADLINE,
        **_OCCURRED,
        "body.reason": "a reason to reopen a completed problem (against its stored status)",
        "body.attestation_cycle": "a cycle only for a long_term task (the body's or the stored flag)",
    },
    ("POST", "/api/v1/issues/{issue_id}/measures"): {**_DEADLINE, **_OCCURRED},
    ("PATCH", "/api/v1/measures/{measure_id}"): {
        **_DEADLINE,
        **_OCCURRED,
        "body.reason": "a reason when the office overrides a measure's status (waiving included)",
    },
    ("POST", "/api/v1/issues/{issue_id}/progress"): {**_OCCURRED, **_REPORTED},
    ("POST", "/api/v1/measures/{measure_id}/progress"): {**_OCCURRED, **_REPORTED},
    ("POST", "/api/v1/issues/{issue_id}/relapse"): {"body": "source_detail when the source is `other`"},
    ("POST", "/api/v1/reports"): {"body": "which fields a report takes depends on its kind"},
    ("POST", "/api/v1/webhooks"): {"body.url": "a public host that resolves, checked when the hook is made"},
    ("PUT", "/api/v1/calendar/orgs/{org_id}/overrides/{year}"): {"body.days": "days of the path's year, each once"},
    ("PUT", "/api/v1/calendar/years/{year}"): {
        "body.holidays": "days of the path's year, none also a make-up workday",
        "body.makeup_workdays": "days of the path's year, none also a holiday",
    },
    ("PATCH", "/api/v1/petition-cases/{case_id}"): {
        "body.reason": "a reason when a closed case is reopened",
        "body.pollution_types": "codes the office keeps (GET /pollution-types: stored rows, the office adds more)",
    },
    ("POST", "/api/v1/indicators"): {
        "body": "a target_date needs a target; the figures fit the indicator's kind",
        "body.target": "a figure; a target in words only on a qualitative indicator (its kind)",
    },
    ("POST", "/api/v1/indicators/{indicator_id}/values"): {
        "body.met": "a judgement only for a qualitative indicator, recorded by the office",
        "body.period": "a real day, within the indicator's span",
        "body.value": "a value or stages, as the indicator's kind takes",
        "body.stages": "a value or stages, as the indicator's kind takes",
    },
    ("POST", "/api/v1/closures"): {"body": "exactly one of issue_id and petition_case_id"},
    ("POST", "/api/v1/closures/{closure_id}/objections"): {"body": "name, contact and content, for an objection"},
    ("POST", "/api/v1/closures/{closure_id}/review"): {"body": "a refusal needs a comment"},
    ("POST", "/api/v1/dispatch-rounds"): {"body": "the period's form fits the round's frequency"},
    ("POST", "/api/v1/rounds"): {"body": "stay_end is not before stay_start"},
    ("POST", "/api/v1/escalations"): {
        "body.letter.summons": "a meeting only on a 约谈 (summons) letter",
        "body.letter.summons.time": "a meeting time not in the past",
    },
    ("POST", "/api/v1/escalations/{escalation_id}/issue"): {
        "body.letter.summons": "a meeting only on a 约谈 (summons) letter",
        "body.letter.summons.time": "a meeting time not in the past",
    },
    ("PUT", "/api/v1/document-templates/{kind}"): _TEMPLATE_UPLOAD,
    ("POST", "/api/v1/document-templates/{kind}/preview"): _TEMPLATE_UPLOAD,
    ("POST", "/api/v1/document-templates/{kind}/reset"): {"query": "round_id or org_id, not both"},
    ("POST", "/api/v1/escalations/scan"): {"body.as_of": "a future day only with dry_run (real notices otherwise)"},
    ("POST", "/api/v1/petition-batches"): {
        "body.day_kind": "due_days and day_kind together",
        "body.due_days": "due_days and day_kind together",
    },
    ("POST", "/api/v1/users"): {"body.password": _PASSWORD},
    ("POST", "/api/v1/users/{user_id}/password"): {"body.new_password": _PASSWORD},
    ("POST", "/api/v1/me/password"): {
        "body.current_password": "the caller's current password",
        "body.new_password": _PASSWORD,
    },
    ("POST", "/api/v1/api-keys"): {"body.expires_at": "a future time, with its zone"},
    ("PUT", "/api/v1/me/notification-preferences"): {
        "body.preferences.*.mode": "SMS has no digest",
        "body.preferences.*": "each event type, level and channel once",
        "body.preferences.*.level": "a level only for escalation.issued",
    },
    ("PUT", "/api/v1/rounds/{round_id}/escalation-policy"): {
        "body.rules.*": "a ladder: supervision and summons follow a lower rung (or jump), ids unique",
        "body.rules": "a ladder: rules in order, ids unique",
        "body.": "rule ids unique (the policy as a whole)",
        "body": "rule ids unique (the policy as a whole)",
    },
    ("PUT", "/api/v1/rounds/{round_id}/narrative"): {"body.sections.*": "a section has a heading or paragraphs"},
}
#: a body field naming another row (`org_id`, `attachment_ids`) must name one in the caller's scope
_REFERENCE = ("_id", "_ids")


#: operations on the signed-in account itself
_OWN = {("PATCH", "/api/v1/users/{user_id}"), ("POST", "/api/v1/users/{user_id}/password")}


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    headers = case.headers or {}
    value = headers.get("Idempotency-Key")
    if isinstance(value, str) and _KEY.match(value):
        headers["Idempotency-Key"] = str(uuid.uuid4())
    # every phase calls through here (filter_case does not reach them all): a case aimed at the
    # run's own account or session is aimed at one that does not exist instead (a 404)
    params = case.path_parameters or {}
    own, ref = os.environ.get("RECTIFY_FUZZ_USER_ID"), os.environ.get("RECTIFY_FUZZ_SESSION_REF")
    if own and (case.method.upper(), case.operation.path) in _OWN and str(params.get("user_id")) == own:
        params["user_id"] = NO_SUCH_ID
    if ref and str(params.get("session_ref")) == ref:
        params["session_ref"] = "0" * len(ref)


@schemathesis.hook
def filter_case(context: Any, case: Any) -> bool:
    own = os.environ.get("RECTIFY_FUZZ_USER_ID")
    if own and (case.method.upper(), case.operation.path) in _OWN:
        return str((case.path_parameters or {}).get("user_id")) != own
    ref = os.environ.get("RECTIFY_FUZZ_SESSION_REF")
    if ref and case.operation.path == "/api/v1/me/sessions/{session_ref}":
        return str((case.path_parameters or {}).get("session_ref")) != ref
    return True


def _rules(case: Any) -> dict[str, str]:
    out = dict(CROSS_FIELD[("*", "*")])
    out.update(CROSS_FIELD.get((case.method.upper(), case.operation.path), {}))
    return out


@schemathesis.hook
def filter_failure(context: Any, failure: Any, case: Any, response: Any) -> bool:
    """Keep every failure but a schema-valid request's 422 for a rule listed above."""
    if getattr(failure, "code", "") != "ST202" or response.status_code not in (415, 422):
        return True
    try:
        details = response.json()["error"]["details"]
        fields = {d.get("field") for d in details}
    except (ValueError, KeyError, TypeError):
        return True
    rules = _rules(case)
    fields = {re.sub(r"\.[0-9]+(?=\.|$)", ".*", f) if isinstance(f, str) else f for f in fields}
    expected = all(f in rules or ((f or "").startswith("body.") and (f or "").endswith(_REFERENCE)) for f in fields)
    if fields and expected and (log := os.environ.get("RECTIFY_FUZZ_RULES_LOG")):
        # which rules a run leaned on (a rule never used is one to question)
        with open(log, "a", encoding="utf-8") as out:
            for f in sorted(f for f in fields if f in rules):
                key = (case.method.upper(), case.operation.path)
                scope = key if f in CROSS_FIELD.get(key, {}) else ("*", "*")
                out.write(f"{scope[0]} {scope[1]} {f}\n")
    return not (fields and expected)
