"""Browser test of the optional equality monitoring questions on both referral forms.

A GP fills in a referral answering "Prefers not to say" for sex and an ethnic group, and it is sent; the
public self-referral form asks the same optional questions (not sent here: it is rate-limited per
address, and the journey test sends one).
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from conftest import GP, Screens, _path, fill_referral, signed_in_people
from playwright.sync_api import Browser, expect

RUN = uuid.uuid4().hex[:8]


@pytest.fixture(scope="module")
def equity_shot(artifacts: Path) -> Screens:
    return Screens.for_file(artifacts, "equity")


@pytest.fixture(scope="module")
def people(browser: Browser, server: str, equity_shot: Screens):
    yield from signed_in_people(browser, server, equity_shot)


def test_both_referral_forms_ask_optionally(people, browser: Browser, server: str):
    gp = people(GP, "gp", "/referrals")
    page = gp.page
    gp.goto("/referrals/new")
    monitoring = page.locator("fieldset.equality")
    expect(monitoring.locator("legend")).to_have_text("Equality monitoring (optional)")
    fill_referral(page, "Equity", f"Check{RUN}", consent=True)
    page.get_by_label("Sex", exact=True).select_option(label="Prefers not to say")
    page.get_by_label("Ethnic group").select_option(label="Asian or Asian British - Indian")
    gp.snap("form")
    with page.expect_response(lambda r: _path(r.url) == "/referrals" and r.request.method == "POST") as posted:
        page.get_by_role("button", name="Send referral").click()
    page.wait_for_load_state()
    assert posted.value.status in (302, 303), f"POST /referrals: {posted.value.status}"
    assert re.fullmatch(r"/referrals/[^/?#]+", _path(page.url)), page.url
    gp.snap("sent")

    visitor = browser.new_context(base_url=server)
    try:
        public = visitor.new_page()
        public.goto("/self-referral")
        fieldset = public.locator("fieldset.equality")
        expect(fieldset).to_be_visible()
        expect(fieldset.locator('[id="person.sex"] option[value=prefer_not_to_say]')).to_have_count(1)
        expect(fieldset.locator('[id="person.ethnicity"] option[value=Z]')).to_have_count(1)
    finally:
        visitor.close()
