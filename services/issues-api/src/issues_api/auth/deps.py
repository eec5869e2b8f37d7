"""Authentication and policy dependencies (filled in below by the auth work)."""

from typing import Any


def require(policy: str) -> Any:  # placeholder: replaced by the real implementation
    raise NotImplementedError
