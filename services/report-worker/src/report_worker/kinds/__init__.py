"""Report kinds: each loads a data snapshot (the only database access) and renders it (pure).

A kind is registered once, with the formats it renders; `jobs.render_report` looks it up.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from rectify_shared.enums import ReportFormat

#: load(session, job) -> snapshot
Loader = Callable[[AsyncSession, Any], Awaitable[Any]]
#: render(snapshot, format) -> bytes (pure, CPU-bound: run in a thread or a process)
Renderer = Callable[[Any, ReportFormat], bytes]
#: file_name(snapshot, format) -> a Chinese file name
Namer = Callable[[Any, ReportFormat], str]


@dataclass(frozen=True)
class Kind:
    name: str
    formats: frozenset[ReportFormat]
    load: Loader
    render: Renderer
    file_name: Namer


REGISTRY: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    REGISTRY[kind.name] = kind
    return kind


def get(name: str) -> Kind:
    _load_all()
    try:
        return REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown report kind {name!r}") from None


def _load_all() -> None:
    """Import every module of this package: importing a kind module registers it."""
    import importlib
    import pkgutil

    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
