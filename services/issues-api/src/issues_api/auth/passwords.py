"""Password hashing with argon2 (pwdlib); hashes are upgraded on login when parameters change."""

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

_hasher = PasswordHash((Argon2Hasher(),))

MIN_LENGTH = 8


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify(password: str, password_hash: str) -> tuple[bool, str | None]:
    """(matches, new hash to store when the stored one uses outdated parameters)."""
    return _hasher.verify_and_update(password, password_hash)


#: verifying against this keeps a login for an unknown user as slow as for a known one
DUMMY_HASH = hash_password("not-a-real-password")
