"""One S3 addressing setting, and storage reads it: RECTIFY_S3_ADDRESSING_STYLE (what every manifest
and the README set); RECTIFY_S3_ADDRESSING, the name storage used to read, is a deprecated alias."""

import pytest

from rectify_shared.settings import Settings
from rectify_shared.storage import S3Storage, make_storage

SHA = "ab" * 32


def _storage(monkeypatch: pytest.MonkeyPatch, **env: str) -> S3Storage:
    for name in ("RECTIFY_S3_ADDRESSING_STYLE", "RECTIFY_S3_ADDRESSING"):
        monkeypatch.delenv(name, raising=False)
    for k, v in {
        "RECTIFY_STORAGE": "s3",
        "RECTIFY_S3_ENDPOINT": "https://oss-cn-beijing.aliyuncs.com",
        "RECTIFY_S3_BUCKET": "evidence",
        **env,
    }.items():
        monkeypatch.setenv(k, v)
    storage = make_storage(Settings())
    assert isinstance(storage, S3Storage)
    return storage


def test_the_documented_setting_chooses_virtual_hosted_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    url = _storage(monkeypatch, RECTIFY_S3_ADDRESSING_STYLE="virtual").object_url(SHA)
    assert url.startswith("https://evidence.oss-cn-beijing.aliyuncs.com/attachments/ab/ab/")


def test_path_style_is_the_default_and_the_old_name_still_works(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _storage(monkeypatch).object_url(SHA).startswith("https://oss-cn-beijing.aliyuncs.com/evidence/")
    old = _storage(monkeypatch, RECTIFY_S3_ADDRESSING="virtual").object_url(SHA)
    assert old.startswith("https://evidence.oss-cn-beijing.aliyuncs.com/")
