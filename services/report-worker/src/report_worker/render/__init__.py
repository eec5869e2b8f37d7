"""Pure renderers: a `LedgerSnapshot` in, the file's bytes out."""

from .ledger_md import render_ledger_md
from .ledger_xlsx import render_ledger_xlsx

__all__ = ["render_ledger_md", "render_ledger_xlsx"]
