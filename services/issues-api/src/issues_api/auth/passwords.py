"""Password hashing with argon2 (pwdlib), off the event loop, and the password policy.

Hashing and verifying take ~50 ms of CPU each: they run in worker threads, at most
`CONCURRENCY` at a time, so a burst of sign-ins (or of guesses) queues there instead of
stalling every other request on the loop. Hashes are upgraded on login when parameters change.
"""

import asyncio
from functools import lru_cache
from importlib import resources

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

_hasher = PasswordHash((Argon2Hasher(),))

#: the policy (docs/security.md "Sessions and passwords")
MIN_LENGTH = 10
MIN_CLASSES = 3  # of: lower case, upper case, digits, other characters
CONCURRENCY = 4

_slots: asyncio.Semaphore | None = None


def _semaphore() -> asyncio.Semaphore:
    global _slots
    if _slots is None:
        _slots = asyncio.Semaphore(CONCURRENCY)
    return _slots


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify(password: str, password_hash: str) -> tuple[bool, str | None]:
    """(matches, new hash to store when the stored one uses outdated parameters)."""
    return _hasher.verify_and_update(password, password_hash)


async def hash_password_async(password: str) -> str:
    async with _semaphore():
        return await asyncio.to_thread(hash_password, password)


async def verify_async(password: str, password_hash: str) -> tuple[bool, str | None]:
    async with _semaphore():
        return await asyncio.to_thread(verify, password, password_hash)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    text = resources.files(__package__).joinpath("common_passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def _classes(password: str) -> int:
    return sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )


def policy_problems(password: str, username: str | None = None) -> list[tuple[str, str]]:
    """What is wrong with `password` as (中文, English) pairs; empty when it is acceptable."""
    problems: list[tuple[str, str]] = []
    if len(password) < MIN_LENGTH:
        problems.append((f"密码至少{MIN_LENGTH}个字符", f"at least {MIN_LENGTH} characters"))
    if _classes(password) < MIN_CLASSES:
        problems.append(
            (
                f"须包含小写字母、大写字母、数字、其他字符中的至少{MIN_CLASSES}类",
                f"at least {MIN_CLASSES} of: lower case, upper case, digits, other characters",
            )
        )
    lowered = password.lower()
    if lowered in common_passwords() or lowered.rstrip("0123456789!@#.") in common_passwords():
        problems.append(("这是常见密码", "a commonly used password"))
    if username and len(username) >= 3 and username.lower() in lowered:
        problems.append(("不得包含用户名", "must not contain the username"))
    return problems


#: verifying against this keeps a login for an unknown user as slow as for a known one
DUMMY_HASH = hash_password("not-a-real-password")
