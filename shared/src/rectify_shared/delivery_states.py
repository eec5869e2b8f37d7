"""The delivery (投递) state machine as plain data: the states a `delivery` row moves through, the
moves each allows, and the Chinese display text. The notifier owns the table and makes every move
but one: a person's retry of a failed delivery (issues-api, `POST /deliveries/{id}/retry`), the
one foreign write the `Delivery` model's docstring lists.

    (planned) ─▶ pending ──claim──▶ sending ──▶ sent
        │           ▲    ◀─retry later─┘ │ └──▶ failed ──retry (a person)──▶ pending
        │           └── lease lost ──────┘ └──▶ suppressed (the target went away)
        ├─▶ scheduled (quiet hours) ──claim──▶ sending
        ├─▶ digest (the recipient's daily digest) ──▶ digested
        └─▶ sent (an inbox message is written at once)
    pending / scheduled / digest ──a scan withdrawn──▶ suppressed

A receipt (回执) that a provider reports later is a `delivery_receipt` row, not a state.
"""

from enum import StrEnum


class DeliveryState(StrEnum):
    pending = "pending"  # 待发送
    sending = "sending"  # 发送中 (claimed by a worker, under a lease)
    sent = "sent"  # 已发送
    failed = "failed"  # 发送失败 (retries used up, or a permanent refusal)
    scheduled = "scheduled"  # 延后发送 (quiet hours: the morning)
    suppressed = "suppressed"  # 已取消 (its target or its cause went away)
    digest = "digest"  # 待汇总 (waits for the recipient's daily digest)
    digested = "digested"  # 已汇总 (went out in digest `digest_id`)


D = DeliveryState

#: the states a planned delivery starts in
INITIAL: frozenset[DeliveryState] = frozenset({D.pending, D.scheduled, D.digest, D.sent})
#: state -> the states it may move to
TRANSITIONS: dict[DeliveryState, frozenset[DeliveryState]] = {
    D.pending: frozenset({D.sending, D.suppressed}),
    D.scheduled: frozenset({D.sending, D.suppressed}),
    D.sending: frozenset({D.sent, D.pending, D.failed, D.suppressed, D.scheduled}),
    D.failed: frozenset({D.pending}),
    D.digest: frozenset({D.digested, D.suppressed}),
    D.sent: frozenset(),
    D.suppressed: frozenset(),
    D.digested: frozenset(),
}
#: waiting for a worker to send them (when `next_attempt_at` has come)
DUE_STATES: tuple[DeliveryState, ...] = (D.pending, D.scheduled)
#: not sent yet: what withdrawing a scan suppresses
UNSENT_STATES: tuple[DeliveryState, ...] = (D.pending, D.scheduled, D.digest)
#: the backlog a gauge reports: everything still to go out
BACKLOG_STATES: tuple[DeliveryState, ...] = (D.pending, D.sending, D.scheduled, D.digest)
#: the states a person may ask to send again
RETRYABLE: frozenset[DeliveryState] = frozenset({D.failed})

STATE_TEXT: dict[str, str] = {
    D.pending: "待发送",
    D.sending: "发送中",
    D.sent: "已发送",
    D.failed: "发送失败",
    D.scheduled: "延后发送",
    D.suppressed: "已取消",
    D.digest: "待汇总",
    D.digested: "已汇总",
}


def may_move(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(DeliveryState(current), frozenset())


def may_retry(state: str) -> bool:
    return state in RETRYABLE
