"""国密 at rest, rotation: `rectify keys rotate` moves 1,000 accounts' contacts (and every other
encrypted value) to a new data key in batches with a progress bar; afterwards the old key can go,
the API answers the same contacts, and a phone still finds its account through the blind index.
AES-256-GCM is selectable and reads back alongside SM4-GCM."""

import asyncio
import io
from typing import Any

import pytest
from sqlalchemy import text

from issues_api.auth.sso_flow import find_account
from issues_api.ops.keys import rotate
from issues_api.ops.progress import Progress
from rectify_shared import data_keys
from rectify_shared.data_keys import DataKeys
from rectify_shared.models import UserAccount

pytestmark = pytest.mark.postgres
NEW_KEY = "rotated-data-key-" + "r" * 40
N = 1000


@pytest.fixture
def db_url(pg_db_url: str) -> str:
    return pg_db_url


async def _count(app: Any, sql: str, **params: Any) -> int:
    async with app.state.rectify.read_sessions() as s:
        return int((await s.execute(text(sql), params)).scalar_one())


async def test_rotating_1000_contacts_in_batches_with_a_progress_bar(app: Any, client: Any, monkeypatch: Any) -> None:
    run_keys = data_keys.installed()
    assert run_keys is not None
    league = next(o for o in (await client.get("/api/v1/orgs?limit=200")).json()["items"] if o["name"] == "锡林郭勒盟")
    async with app.state.rectify.write_sessions() as s:
        s.add_all(
            UserAccount(
                username=f"rot{n:04d}",
                password_hash="-",
                org_id=league["id"],
                org_path=league["path"],
                role="leader",
                phone=f"1390000{n:04d}",
                email=f"rot{n}@example.gov.cn",
                created_by="test",
            )
            for n in range(N)
        )
        await s.commit()
    user = next(u for u in (await client.get("/api/v1/users?limit=200")).json()["items"] if u["username"] == "admin")

    # the services restart with the new key, the old one listed for reading; then the rotation
    new = DataKeys(NEW_KEY, [_secret(run_keys)])
    try:
        data_keys.install(new)
        bar = Progress("轮换密钥 keys rotate", stream=io.StringIO(), enabled=True)
        changed = await rotate(app.state.rectify.settings.database_url, new, batch=250, progress=bar)
        assert changed >= 2 * N
        assert "[########################] 100%" in bar.stream.getvalue()  # type: ignore[attr-defined]
        prefix = f"{new.current_prefix}%"
        assert await _count(app, "SELECT count(*) FROM user_account WHERE phone NOT LIKE :p", p=prefix) == 0
        assert await _count(app, "SELECT count(*) FROM user_account WHERE email NOT LIKE :p", p=prefix) == 0
        assert await _count(app, "SELECT count(*) FROM org WHERE mobile NOT LIKE :p", p=prefix) == 0
        stale = f"{data_keys.INDEX_PREFIX}{new.current_id}:%"
        q = "SELECT count(*) FROM user_account WHERE phone IS NOT NULL AND phone_index NOT LIKE :p"
        assert await _count(app, q, p=stale) == 0
        raw = await _count(app, "SELECT count(*) FROM user_account WHERE phone LIKE '%13900000500%'")
        assert raw == 0  # unreadable in a raw dump

        # the old key is gone: everything still reads, the phone index still finds its account
        data_keys.install(DataKeys(NEW_KEY))
        listed = {u["username"]: u for u in await _all_users(client)}
        assert listed["rot0500"]["phone"] == "13900000500" and listed["rot0999"]["email"] == "rot999@example.gov.cn"
        assert (await client.get(f"/api/v1/users/{user['id']}")).status_code == 200
        async with app.state.rectify.read_sessions() as s:
            found = await find_account(s, "phone", "+86 139-0000-0500")
        assert [u.username for u in found] == ["rot0500"]

        # run again through the command: nothing left to do (an interrupted rotation resumes the same way)
        monkeypatch.setenv("DATABASE_URL", app.state.rectify.settings.database_url)
        monkeypatch.setenv("RECTIFY_DATA_KEY", NEW_KEY)
        monkeypatch.setenv("RECTIFY_DATA_DIR", str(app.state.rectify.settings.data_dir))
        from issues_api.cli import main

        out = io.StringIO()
        monkeypatch.setattr("sys.stdout", out)
        assert await asyncio.to_thread(main, ["keys", "rotate"]) == 0
        assert out.getvalue().startswith("0 value(s) now under data key")
    finally:
        data_keys.install(run_keys)


def _secret(keys: DataKeys) -> str:
    import os

    secret = os.environ["RECTIFY_DATA_KEY"]  # the run's key (root conftest)
    assert data_keys.key_id(secret) == keys.current_id
    return secret


async def _all_users(client: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = (
            await client.get("/api/v1/users", params={"limit": 200, "cursor": cursor} if cursor else {"limit": 200})
        ).json()
        items += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return items


def test_aes_256_gcm_is_selectable_and_both_ciphers_read_back() -> None:
    secret = "cipher-choice-key-" + "c" * 40
    sm4, aes = DataKeys(secret), DataKeys(secret, cipher="aes-256-gcm")
    stored = aes.encrypt("13904790001")
    assert stored.startswith(f"enc2:{aes.current_id}:") and sm4.encrypt("x").startswith("enc1:")
    assert sm4.decrypt(stored) == "13904790001" and not sm4.is_current(stored)  # a switch rotates it
    assert aes.decrypt(sm4.encrypt("x")) == "x"
    # the blind index is keyed (HMAC-SM3), independent of the cipher, normalised, and differs per key
    assert aes.blind_index("+86 139-0479-0001") == sm4.blind_index("13904790001")
    assert DataKeys("another-key-" + "a" * 40).blind_index("13904790001") != sm4.blind_index("13904790001")
    with pytest.raises(data_keys.DataKeyError, match="unknown data cipher"):
        DataKeys(secret, cipher="des")
