"""The hash chain's pure functions: canonical hashing, SM3, JSON-native values, diffs."""

import hashlib
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import StrEnum
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from issues_api.audit.chain import (
    GENESIS,
    HASHED_FIELDS,
    MAC_FIELDS,
    SUPPORTED,
    canonical_json,
    ensure_available,
    hash_record,
    jsonable,
    record_fields,
)
from issues_api.audit.writer import diff
from rectify_shared.models import AuditRecord

KEY = b"audit-key-" * 4
BASE: dict[str, Any] = {
    "id": 123456789012345678,
    "created_at": datetime(2024, 12, 2, 1, 15, 30, 123456, tzinfo=UTC),
    "chain": "org:5",
    "seq": 7,
    "prev_hash": GENESIS,
    "hash_alg": "sha256",
    "actor": "xlgl_office",
    "actor_role": "office_admin",
    "actor_org_id": 5,
    "action": "issue.update",
    "entity_type": "issue",
    "entity_id": "17",
    "org_path": "/1/5/",
    "before": {"status": "in_progress", "deadline": "2025-06-30"},
    "after": {"status": "completed", "deadline": "2025-12-31"},
    "request_id": "abc",
    "client_addr": "10.0.0.1",
}

text = st.text(max_size=30)
json_leaf = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=10)
)
json_dict = st.dictionaries(
    st.text(max_size=8), st.recursive(json_leaf, lambda c: st.lists(c, max_size=3), max_leaves=5)
)
STRATEGIES: dict[str, st.SearchStrategy[Any]] = {
    "id": st.integers(min_value=0, max_value=2**63 - 1),
    "created_at": st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)),
    "seq": st.integers(min_value=1, max_value=2**62),
    "actor_org_id": st.none() | st.integers(min_value=0, max_value=2**31),
    "hash_alg": st.sampled_from(SUPPORTED),
    "prev_hash": st.text(alphabet="0123456789abcdef", min_size=64, max_size=64),
    "before": st.none() | json_dict,
    "after": st.none() | json_dict,
}


field_changes = st.sampled_from(HASHED_FIELDS).flatmap(
    lambda n: st.tuples(st.just(n), STRATEGIES.get(n, st.none() | text))
)


@given(change=field_changes)
def test_changing_any_hashed_field_changes_the_hash(change: tuple[str, Any]) -> None:
    name, value = change
    assume(canonical_json(value) != canonical_json(BASE[name]))
    changed = {**BASE, name: value}
    alg = changed["hash_alg"]
    original = hash_record(BASE["hash_alg"], BASE["prev_hash"], BASE, KEY)
    assert hash_record(alg, changed["prev_hash"], changed, KEY) != original


def test_hash_ignores_key_order_and_the_hash_field_and_normalises_time() -> None:
    h = hash_record("sha256", GENESIS, BASE)
    reordered = dict(reversed(list(BASE.items())))
    reordered["after"] = dict(reversed(list(BASE["after"].items())))
    reordered["hash"] = "whatever"
    reordered["created_at"] = BASE["created_at"].astimezone(timezone(timedelta(hours=8)))
    assert hash_record("sha256", GENESIS, reordered) == h
    assert len(h) == 64 and h != hash_record("sm3", GENESIS, BASE)
    # prev_hash is the argument, whatever the fields say
    assert hash_record("sha256", "1" * 64, BASE) != h


def test_integral_floats_hash_like_the_integers_jsonb_hands_back() -> None:
    a = {**BASE, "after": {"area": 1e20, "n": 3.0}}
    b = {**BASE, "after": {"n": 3, "area": 100000000000000000000}}
    assert hash_record("sha256", GENESIS, a) == hash_record("sha256", GENESIS, b)


def test_sm3_standard_test_vector() -> None:
    assert hashlib.new("sm3", b"abc").hexdigest() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    ensure_available("sm3")


@pytest.mark.parametrize("alg", ["md5", "sha1", "SHA256", ""])
def test_unknown_algorithms_are_a_clear_error(alg: str) -> None:
    with pytest.raises(ValueError, match="unsupported audit hash algorithm"):
        hash_record(alg, GENESIS, BASE)
    with pytest.raises(ValueError, match="sha256, sm3"):
        ensure_available(alg)


def test_naive_created_at_is_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        hash_record("sha256", GENESIS, {**BASE, "created_at": datetime(2024, 1, 1)})


def test_record_fields_are_exactly_the_hashed_columns() -> None:
    record = AuditRecord(**BASE, hash="x" * 64)
    fields = record_fields(record)
    assert set(fields) == set(HASHED_FIELDS)  # a legacy (unkeyed) record: the columns it was hashed with
    assert hash_record("sha256", GENESIS, fields) == hash_record("sha256", GENESIS, BASE)
    keyed = record_fields(AuditRecord(**{**BASE, "hash_alg": "hmac-sha256"}, hash="x" * 64))
    assert set(keyed) == set(MAC_FIELDS) == set(AuditRecord.model_fields) - {"hash"}


class Status(StrEnum):
    done = "completed"


def test_jsonable_makes_json_native_values() -> None:
    value = {
        1: date(2025, 6, 30),
        "at": datetime(2024, 12, 1, 9, 0, tzinfo=timezone(timedelta(hours=8))),
        "status": Status.done,
        "amount": Decimal("17.21"),
        "tags": ("a", "b"),
        "nan": float("nan"),
        "nested": {"s": {3, 1, 2}},
    }
    out = jsonable(value)
    assert out == {
        "1": "2025-06-30",
        "at": "2024-12-01T01:00:00+00:00",
        "status": "completed",
        "amount": "17.21",
        "tags": ["a", "b"],
        "nan": "nan",
        "nested": {"s": [1, 2, 3]},
    }
    assert type(out["status"]) is str


def test_diff_keeps_only_changed_keys() -> None:
    before = {"status": "in_progress", "title": "草原治理", "deadline": date(2025, 6, 30), "gone": 1}
    after = {"status": Status.done, "title": "草原治理", "deadline": "2025-06-30", "new": None}
    assert diff(before, after) == ({"status": "in_progress", "gone": 1}, {"status": "completed", "new": None})
    assert diff({"n": 1}, {"n": True}) == ({"n": 1}, {"n": True})
    assert diff({}, {}) == ({}, {})
