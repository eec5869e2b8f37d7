"""Single sign-on in the browser: the sign-in page offers the configured provider, a person signs
in at the local OIDC provider (tests/sso_servers.py) and lands, signed in, where they were going."""

import json
import re
from typing import Any

import pytest

from .test_console_quality import serious

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.e2e


def test_a_unit_operator_signs_in_through_the_oidc_provider(open_page: Any, system: Any, oidc_provider: Any) -> None:
    page = open_page("desktop")
    page.goto("/console/ledger")
    expect(page).to_have_url(re.compile(r"/console/login\?redirect="))
    button = page.get_by_role("link", name="使用统一身份认证登录")
    expect(button).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert serious(page) == []  # the sign-in page with its SSO button: no serious axe violation
    button.click()

    # at the provider: its own page, on its own origin
    expect(page).to_have_url(re.compile(re.escape(oidc_provider.issuer) + r"/authorize\?"))
    page.get_by_label("账号").fill("zhang.wei")
    page.get_by_role("button", name="登录").click()

    # back in the console, signed in as the account the provider's claim names, where they were going
    expect(page).to_have_url(re.compile(r"/console/ledger$"))
    expect(page.locator("[data-test=whoami]")).to_contain_text("abgq")
    assert "sso=" not in page.url  # the hand-over left the address bar (and the history entry)
    stored = json.loads(page.evaluate("localStorage.getItem('rectify.session')"))
    assert stored["access"] and stored["refresh"]
    assert page.problems == []

    # on the phone pages too: the sign-in comes back to the phone page the person was going to
    phone = open_page("phone")
    phone.goto("/console/m/")
    expect(phone).to_have_url(re.compile(r"/console/m/login\?redirect="))
    phone.get_by_role("link", name="使用统一身份认证登录").click()
    phone.get_by_label("账号").fill("zhang.wei")
    phone.get_by_role("button", name="登录").click()
    expect(phone).to_have_url(re.compile(r"/console/m/$"))
    expect(phone.locator(".van-nav-bar")).to_be_visible()
    assert phone.problems == []
