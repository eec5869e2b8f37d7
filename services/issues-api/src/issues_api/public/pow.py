"""Proof of work for the public objection form: no third-party CAPTCHA, nothing to read.

The notice page carries a challenge the server signed (`notice id . expiry . random . HMAC`); the
page's script finds a nonce such that SHA-256(challenge ":" nonce) starts with `bits` zero bits
(2^bits hashes on average: about a second on a low-end phone at the default 16) and posts it with
the form. The server checks the signature, the expiry, the notice, the work, and that the challenge
was not used before (once per challenge, in Redis, for as long as it is valid). A JSON client of
`POST /public/notices/{id}/objections` does no work: the per-address rate limit covers both.
"""

import hashlib
import hmac
import secrets
import time

#: how long a page's challenge stays valid (a citizen may take a while to write)
VALID_SECONDS = 3600


def _mac(secret: str, body: str) -> str:
    return hmac.new(secret.encode(), f"pow:{body}".encode(), hashlib.sha256).hexdigest()[:32]


def issue(secret: str, notice_id: int, now: float | None = None) -> str:
    expires = int((now if now is not None else time.time()) + VALID_SECONDS)
    body = f"{notice_id}.{expires}.{secrets.token_hex(8)}"
    return f"{body}.{_mac(secret, body)}"


def leading_zero_bits(digest: bytes) -> int:
    bits = 0
    for byte in digest:
        if byte == 0:
            bits += 8
            continue
        return bits + 8 - byte.bit_length()
    return bits


def solve(challenge: str, bits: int) -> str:
    """What the page's script does (tests and the README's curl example use it)."""
    n = 0
    while leading_zero_bits(hashlib.sha256(f"{challenge}:{n}".encode()).digest()) < bits:
        n += 1
    return str(n)


def check(secret: str, challenge: str, nonce: str, notice_id: int, bits: int, now: float | None = None) -> str | None:
    """None when the work is good for this notice; else why not (zh / en)."""
    parts = challenge.split(".")
    if len(parts) != 4 or not hmac.compare_digest(_mac(secret, ".".join(parts[:3])), parts[3]):
        return "验证信息无效，请刷新页面后重新提交 / The verification is invalid; reload the page and submit again"
    if parts[0] != str(notice_id):
        return "验证信息与公示不符，请刷新页面 / The verification belongs to another notice; reload the page"
    if not parts[1].isdigit() or int(parts[1]) < (now if now is not None else time.time()):
        return "页面已过期，请刷新页面后重新提交 / The page has expired; reload it and submit again"
    if len(nonce) > 20 or not nonce.isdigit():
        return "验证未完成，请稍候再提交 / The verification is not finished; wait a moment and submit again"
    if leading_zero_bits(hashlib.sha256(f"{challenge}:{nonce}".encode()).digest()) < bits:
        return "验证未完成，请稍候再提交 / The verification is not finished; wait a moment and submit again"
    return None
