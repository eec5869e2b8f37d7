"""The demo office's narrative on the demo round (the seed report's sections)."""

from importlib import resources

import yaml
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.models import Org, RoundNarrative

from .schemas import NarrativeWrite

DEMO_FILE = "xilinguole_narrative.yaml"
DEMO_ACTOR = "demo-loader"


async def load_demo_narrative(session: AsyncSession, round_id: int, orgs: dict[str, Org]) -> None:
    """The seed report's narrative sections, for the demo office's report on the demo round."""
    text = resources.files("issues_api.demo").joinpath(DEMO_FILE).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    narrative = NarrativeWrite.model_validate({"sections": data["sections"]})
    org = orgs[data["org"]]
    assert org.id is not None
    session.add(
        RoundNarrative(
            round_id=round_id,
            org_id=org.id,
            sections=[s.model_dump() for s in narrative.sections],
            updated_by=DEMO_ACTOR,
        )
    )
