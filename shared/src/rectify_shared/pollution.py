"""Pollution types (污染类型) as data: the built-in list merged with the `pollution_type` table.

Migration 20261208_11 seeds the table with the built-in list, and an office admin adds types
through the API; the built-in list is also merged in on reading so that a database emptied of its
rows (tests truncate tables; a restore of an older dump) still knows the codes cases hold.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from .models import PollutionTypeEntry

#: code, name, aliases: the former enum's eight codes first, then the types cities report
BUILTIN: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("air", "大气", ("大气污染", "气", "废气")),
    ("water", "水", ("水污染", "废水")),
    ("soil", "土壤", ("土壤污染",)),
    ("noise", "噪声", ("噪音", "噪声污染")),
    ("ecology", "生态", ("生态破坏",)),
    ("solid_waste", "固废", ("固体废物", "固废污染")),
    ("radiation", "辐射", ("电磁辐射", "辐射污染")),
    ("other", "其他", ("其它",)),
    ("dust", "扬尘", ("扬尘污染",)),
    ("cooking_fumes", "油烟", ("餐饮油烟", "油烟污染")),
    ("odor", "恶臭", ("异味", "臭气")),
    ("hazardous_waste", "危险废物", ("危废",)),
    ("marine", "海洋", ("海洋污染",)),
)


@dataclass(frozen=True)
class PollutionType:
    code: str
    name: str
    aliases: tuple[str, ...] = ()
    builtin: bool = True


@dataclass
class PollutionTypes:
    """The list in order (built-in first, then added ones by position and code)."""

    items: list[PollutionType] = field(default_factory=list)

    @property
    def codes(self) -> set[str]:
        return {t.code for t in self.items}

    def name_of(self, code: str) -> str:
        """The Chinese name of a code; the code itself for one no longer listed."""
        return next((t.name for t in self.items if t.code == code), code)

    def spellings(self) -> dict[str, str]:
        """Every name, alias and code -> its code (names first: an alias never shadows a name)."""
        out: dict[str, str] = {}
        for t in self.items:
            for alias in t.aliases:
                out.setdefault(alias, t.code)
            out.setdefault(t.code, t.code)
        return out | {t.name: t.code for t in self.items}


def merge(rows: Iterable[PollutionTypeEntry]) -> PollutionTypes:
    by_code = {c: PollutionType(c, n, a) for c, n, a in BUILTIN}
    added: list[PollutionType] = []
    for r in sorted(rows, key=lambda r: (r.position, r.code)):
        entry = PollutionType(r.code, r.name, tuple(r.aliases or ()), builtin=r.code in by_code)
        if r.code in by_code:
            by_code[r.code] = entry
        else:
            added.append(entry)
    return PollutionTypes([*by_code.values(), *added])


async def load(session: AsyncSession) -> PollutionTypes:
    return merge((await session.execute(select(PollutionTypeEntry))).scalars().all())
