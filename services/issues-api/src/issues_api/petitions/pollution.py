"""Pollution types (污染类型) as data: reading the list, matching what a spreadsheet wrote, adding one.

The list is the deployment's (`rectify_shared.pollution`: built-in types merged with the
`pollution_type` table); an office admin adds a type with its Chinese name and aliases.
"""

import difflib
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared import pollution
from rectify_shared.models import PollutionTypeEntry
from rectify_shared.plain_text import FreeText

from ..audit.writer import record_audit
from ..auth.deps import LedgerReader, PetitionsWriter
from ..auth.principal import Principal
from ..core.deps import SessionDep
from ..core.error_catalogue import INVALID_INPUT
from ..core.errors import errors, invalid
from .errors import POLLUTION_TYPE_EXISTS

router = APIRouter(prefix="/api/v1", tags=["petitions"])

CODE = r"^[a-z][a-z0-9_]{1,39}$"


class PollutionTypeRead(BaseModel):
    code: str = Field(examples=["dust"])
    name: str = Field(examples=["扬尘"])
    aliases: list[str] = Field(examples=[["扬尘污染"]])
    builtin: bool = Field(description="One of the list the deployment started with")


class PollutionTypeCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"code": "light", "name": "光污染", "aliases": ["光", "灯光污染"]}]},
    )

    code: str = Field(pattern=CODE, description="Stored on cases and used in filters: lower-case letters, _")
    name: FreeText = Field(min_length=1, max_length=40, description="The Chinese name documents print")
    aliases: list[FreeText] = Field(default_factory=list, max_length=20, description="Other spellings in files")


def read_model(t: pollution.PollutionType) -> PollutionTypeRead:
    return PollutionTypeRead(code=t.code, name=t.name, aliases=list(t.aliases), builtin=t.builtin)


def suggestions(text: str, types: pollution.PollutionTypes, n: int = 3) -> list[dict[str, str]]:
    """The closest listed types to `text`: names or aliases it contains or that contain it, then
    the most similar by difflib's ratio."""
    spellings = types.spellings()
    words = [w for w in spellings if not w.isascii()]
    near = [w for w in words if w in text or text in w]
    near += difflib.get_close_matches(text, words, n=n * 2, cutoff=0.3)
    out: dict[str, dict[str, str]] = {}
    for w in near:
        code = spellings[w]
        out.setdefault(code, {"code": code, "name": types.name_of(code)})
    return list(out.values())[:n]


def resolve(texts: list[str], types: pollution.PollutionTypes) -> tuple[list[str], list[str]]:
    """Codes of the texts that name a listed type, in order without repeats; the texts that do not."""
    spellings = types.spellings()
    codes: list[str] = []
    unknown: list[str] = []
    for text in texts:
        code = spellings.get(text)
        if code is None:
            unknown.append(text)
        elif code not in codes:
            codes.append(code)
    return codes, unknown


async def check_codes(session: AsyncSession, codes: list[str] | None, field: str) -> None:
    """422 naming the field when a case is given a code that is not listed."""
    if not codes:
        return
    listed = (await pollution.load(session)).codes
    bad = [c for c in codes if c not in listed]
    if bad:
        raise INVALID_INPUT.error(
            message=f"未知的污染类型：{'、'.join(bad)}（可先由督察整改办添加）",
            message_en=f"Unknown pollution type(s): {', '.join(bad)} (the office may add them)",
            details=[{"field": field, "reason": "unknown pollution type", "value": c} for c in bad],
        )


async def add(session: AsyncSession, principal: Principal, data: PollutionTypeCreate) -> pollution.PollutionType:
    types = await pollution.load(session)
    spellings = types.spellings()
    for word, where in (
        (data.code, "body.code"),
        (data.name, "body.name"),
        *((a, "body.aliases") for a in data.aliases),
    ):
        if word in spellings:
            raise POLLUTION_TYPE_EXISTS.error(
                word=word,
                types_name_of_spellings_word=types.name_of(spellings[word]),
                spellings_word=spellings[word],
                details=[{"field": where, "reason": "taken"}],
            )
    if len(set(data.aliases) | {data.name}) != len(data.aliases) + 1:
        raise invalid("body.aliases", "repeated", "别称不能重复或与名称相同", "Aliases repeat each other or the name")
    last = (await session.execute(select(func.max(col(PollutionTypeEntry.position))))).scalar() or len(
        pollution.BUILTIN
    )
    entry = PollutionTypeEntry(
        code=data.code, name=data.name, aliases=list(data.aliases), position=last + 1, created_by=principal.name
    )
    session.add(entry)
    try:
        await session.flush()
    except IntegrityError as exc:  # the same code or name added at the same moment
        raise POLLUTION_TYPE_EXISTS.error(
            message=f"污染类型“{data.name}”（{data.code}）刚被添加",
            message_en=f"The pollution type {data.code!r} was just added",
            details=[{"field": "body.code", "reason": "taken"}],
        ) from exc
    await record_audit(
        session,
        principal,
        "pollution_type.created",
        "pollution_type",
        data.code,
        before=None,
        after=data.model_dump(mode="json"),
        org_path=None,
    )
    return pollution.PollutionType(entry.code, entry.name, tuple(entry.aliases), builtin=False)


@router.get("/pollution-types", response_model=list[PollutionTypeRead])
async def list_pollution_types(session: SessionDep, principal: LedgerReader) -> list[PollutionTypeRead]:
    """The pollution types cases may have and a batch file may name (names and aliases)."""
    return [read_model(t) for t in (await pollution.load(session)).items]


_CREATED: dict[str, Any] = {"description": "The type as added"}


@router.post(
    "/pollution-types",
    status_code=201,
    response_model=PollutionTypeRead,
    responses={201: _CREATED, **errors(409, 415, 422)},
)
async def create_pollution_type(
    data: PollutionTypeCreate, session: SessionDep, principal: PetitionsWriter, response: Response
) -> PollutionTypeRead:
    """Add a pollution type (office admin): cases and batch files may use it at once."""
    created = await add(session, principal, data)
    await session.commit()
    response.headers["Location"] = "/api/v1/pollution-types"
    return read_model(created)
