"""Units as a clerk writes them → orgs of the round's tree: by name, short name, a city/league
prefix (赤峰市红山区 → 红山区 under 赤峰市), or a unique name prefix (东乌珠穆沁 → 东乌珠穆沁旗).
An unknown unit is never created silently: it gets the closest names as suggestions."""

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

from rectify_shared.models import Org

from .text import key


@dataclass(frozen=True)
class Match:
    text: str
    org: Org | None
    how: str  # "name" | "short_name" | "prefix" | "parent_prefix" | "mapping" | "unknown" | "ambiguous"
    suggestions: tuple[Org, ...] = ()


class OrgIndex:
    def __init__(self, orgs: Sequence[Org]) -> None:
        self.orgs = list(orgs)
        self.by_id = {o.id: o for o in self.orgs}
        self.names: dict[str, list[Org]] = {}
        self.shorts: dict[str, list[Org]] = {}
        for o in self.orgs:
            self.names.setdefault(key(o.name), []).append(o)
            if o.short_name:
                self.shorts.setdefault(key(o.short_name), []).append(o)
        self._labels = {
            **{key(o.name): o for o in self.orgs},
            **{key(o.short_name): o for o in self.orgs if o.short_name},
        }

    def _ancestor_names(self, org: Org) -> set[str]:
        out: set[str] = set()
        parent = self.by_id.get(org.parent_id)
        while parent is not None:
            out.add(key(parent.name))
            if parent.short_name:
                out.add(key(parent.short_name))
            parent = self.by_id.get(parent.parent_id)
        return out

    def match(self, text: str, mapping: dict[str, int] | None = None) -> Match:
        if mapping and text in mapping and mapping[text] in self.by_id:
            return Match(text, self.by_id[mapping[text]], "mapping")
        k = key(text)
        for how, table in (("name", self.names), ("short_name", self.shorts)):
            found = table.get(k, [])
            if len(found) == 1:
                return Match(text, found[0], how)
            if len(found) > 1:
                return Match(text, None, "ambiguous", tuple(found[:5]))
        # a city or league written in front: the rest is a unit under it
        for o in self.orgs:
            for label in filter(None, (key(o.name), key(o.short_name or ""))):
                if len(label) < len(k) and k.endswith(label):
                    head = k[: -len(label)]
                    if head in self._ancestor_names(o):
                        return Match(text, o, "parent_prefix")
        starts = [o for o in self.orgs if key(o.name).startswith(k) and len(k) >= 2]
        if len(starts) == 1:
            return Match(text, starts[0], "prefix")
        close = difflib.get_close_matches(k, list(self._labels), n=3, cutoff=0.5)
        suggested = {id(self._labels[c]): self._labels[c] for c in close}
        return Match(text, None, "unknown", tuple(suggested.values()))
