"""The voice of a report: the one org its title, its wording (全区/全盟/全市/全旗…) and its signature
speak for.

issues-api sets the job's org: the org the request names (in the caller's scope), else the round's
org (the parent of the round's 督察整改办, e.g. 锡林郭勒盟) — never the requester's own root. Every
document kind asks `report_voice` for that org's name and area word instead of reading orgs itself.
The signature is the round's org, as the documents have always been signed (the seed report is
signed 锡林郭勒盟; the office's name prints on its letters).
"""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import aliased
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.enums import OrgKind
from rectify_shared.models import InspectionRound, Org


class RoundNotFound(LookupError):
    pass


@dataclass(frozen=True)
class Voice:
    round_name: str
    inspection_team: str
    #: the org the report is for: its titles start with this name
    name: str
    kind: str
    #: what the text calls the org's whole area: 全区, 全盟, 全市, 全旗, 全县 (a department is named)
    area: str
    #: who signs: the round's org
    signature: str


def area_word(name: str, kind: OrgKind | str) -> str:
    """全盟 / 全市 / 全旗 / 全县 / 全区 / 全省 for an area; a department or enterprise is named."""
    if kind == OrgKind.region:
        return "全省" if name.endswith("省") else "全区"
    if kind in (OrgKind.league, OrgKind.county):
        for suffix in ("盟", "市", "旗", "县", "区"):
            if name.endswith(suffix):
                return f"全{suffix}"
        return "全市" if kind == OrgKind.league else "全县"
    return name


async def report_voice(session: AsyncSession, round_id: int, org_path: str) -> Voice:
    """The voice of a report of `round_id` over the org at `org_path` (the round's org when no org
    has that path; an office speaks with its parent's voice)."""
    signer, scope, parent = aliased(Org), aliased(Org), aliased(Org)
    row = (
        await session.execute(
            select(
                col(InspectionRound.name),
                col(InspectionRound.inspection_team),
                col(signer.name),
                col(signer.kind),
                col(scope.name),
                col(scope.kind),
                col(parent.name),
                col(parent.kind),
            )
            .join(signer, col(signer.id) == col(InspectionRound.org_id))
            .outerjoin(scope, col(scope.path) == org_path)
            .outerjoin(parent, col(parent.id) == col(scope.parent_id))
            .where(col(InspectionRound.id) == round_id)
            .limit(1)
        )
    ).first()
    if row is None:
        raise RoundNotFound(f"inspection round {round_id} does not exist")
    round_name, team, signer_name, signer_kind, name, kind, parent_name, parent_kind = row
    if name is None:
        name, kind = signer_name, signer_kind
    elif kind == OrgKind.office and parent_name is not None:
        name, kind = parent_name, parent_kind
    return Voice(round_name, team or "", name, kind, area_word(name, kind), signer_name)
