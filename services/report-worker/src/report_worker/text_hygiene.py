"""Every string of a loaded snapshot cleaned before any renderer sees it (security finding 12).

Input is checked at the API (`rectify_shared.plain_text.FreeText`), but rows written before that
check, imported or written by other paths may still hold a NUL or a vertical tab, which no XML
document (docx, xlsx) may carry: one such character in one unit's text made the province's
document fail for everybody. Cleaning the snapshot once covers every kind and every format
(docx, xlsx, pdf, md); the xlsx text helper and the file namers clean again on their own.
"""

import dataclasses
from datetime import date, datetime
from decimal import Decimal
from operator import attrgetter
from typing import Any

from rectify_shared.plain_text import FORBIDDEN_CONTROLS, clean_text

#: each dataclass's init fields, and a getter of their values as a tuple
_FIELDS: dict[type, tuple[tuple[str, ...], Any]] = {}


def _dataclass_fields(cls: type) -> tuple[tuple[str, ...], Any] | None:
    known = _FIELDS.get(cls)
    if known is None:
        if not dataclasses.is_dataclass(cls):
            return None
        names = tuple(f.name for f in dataclasses.fields(cls) if f.init)
        getter = attrgetter(*names) if len(names) > 1 else (lambda o, n=names: tuple(getattr(o, x) for x in n))
        known = _FIELDS[cls] = (names, getter)
    return known


def clean_strings(value: Any) -> Any:
    """`value` with forbidden control characters removed from every string inside it (dataclasses,
    lists, tuples, dicts); unchanged objects are returned as they are (the same object)."""
    cls = value.__class__
    if cls is str:
        return clean_text(value) if _search(value) else value
    if value is None or cls in _ATOMS:
        return value
    known = _FIELDS.get(cls)
    if known is not None or (not isinstance(value, type) and (known := _dataclass_fields(cls)) is not None):
        names, getter = known
        changes = None
        for name, old in zip(names, getter(value), strict=True):
            kind = old.__class__
            if kind is str:
                if not _search(old):
                    continue
                new = clean_text(old)
            elif old is None or kind in _ATOMS:
                continue
            else:
                new = clean_strings(old)
            if new is not old:
                if changes is None:
                    changes = {}
                changes[name] = new
        return value if changes is None else dataclasses.replace(value, **changes)
    if cls is list:
        changed = None
        for i, v in enumerate(value):
            if v.__class__ is str and not _search(v):
                continue
            new = clean_strings(v)
            if new is not v:
                if changed is None:
                    changed = list(value)
                changed[i] = new
        return value if changed is None else changed
    if isinstance(value, str):  # an enum's value: never holds one, but checked the same way
        return clean_text(value) if _search(value) else value
    if isinstance(value, tuple):
        items = [clean_strings(v) for v in value]
        if all(a is b for a, b in zip(items, value, strict=True)):
            return value
        return cls(*items) if hasattr(value, "_fields") else cls(items)
    if isinstance(value, dict):
        pairs = {k: clean_strings(v) for k, v in value.items()}
        return value if all(pairs[k] is v for k, v in value.items()) else pairs
    return value


_search = FORBIDDEN_CONTROLS.search
_ATOMS = frozenset({int, float, bool, date, datetime, Decimal})
