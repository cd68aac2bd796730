"""Browser test of what a link worker learns in support, driven through headless Chromium.

The demo link worker opens an active case, adds a need that emerged in support (it joins "Needs now"),
ends it again (it stays on the record, marked ended), records a gap (refused beside its field without a
need first), and a commissioner finds the gaps column and the service-feedback summary on the insight
dashboard. Text unique to the run keeps a database holding earlier runs from confusing the checks.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from conftest import LINK_WORKER, Screens, _path, signed_in_people
from playwright.sync_api import Browser, Page, Response, expect

RUN = uuid.uuid4().hex[:8]


@pytest.fixture(scope="module")
def learned_shot(artifacts: Path) -> Screens:
    return Screens.for_file(artifacts, "learned")


@pytest.fixture(scope="module")
def people(browser: Browser, server: str, learned_shot: Screens):
    yield from signed_in_people(browser, server, learned_shot)


def submit(page: Page, button, path_prefix: str) -> Response:
    with page.expect_response(lambda r: _path(r.url).startswith(path_prefix) and r.request.method == "POST") as response:
        (page.locator(button) if isinstance(button, str) else button).click()
    page.wait_for_load_state()
    return response.value


def test_link_worker_records_what_emerges(people):
    lw = people(LINK_WORKER, "linkworker", "/referrals")
    page = lw.page
    lw.goto("/referrals?list=active")
    case_link = page.locator('tr[data-status=active] a[href^="/referrals/"]').first
    href = case_link.get_attribute("href")
    lw.goto(href)
    expect(page.locator("#learned")).to_be_visible()
    current = page.locator("#current-needs").inner_text()
    options = page.locator("#need option").all()
    choice = next(o for o in options if o.get_attribute("value") and o.inner_text() not in current)
    need_value, need_label = choice.get_attribute("value"), choice.inner_text()

    # A need that emerged in support joins the needs now.
    page.select_option("#kind", "need")
    page.select_option("#need", need_value)
    page.fill("#detail", f"Came up at the third visit ({RUN})")
    posted = submit(page, "#add-learned", href + "/learned")
    assert posted.status in (302, 303), f"add: {posted.status}"
    expect(page.locator("#current-needs")).to_contain_text(need_label)
    item = page.locator("li.learned-item").filter(has_text=RUN)
    expect(item).to_have_count(1)
    lw.snap("need-added")

    # Ended, it leaves the needs now and stays on the record.
    submit(page, item.get_by_role("button", name="No longer applies"), href + "/learned/")
    expect(page.locator("#current-needs")).not_to_contain_text(need_label)
    expect(page.locator("li.learned-item.ended").filter(has_text=RUN)).to_have_count(1)
    lw.snap("need-ended")

    # A gap without its need is refused beside the field; then recorded.
    page.select_option("#gapReason", "no_service")
    posted = submit(page, "#record-gap", href + "/gaps")
    assert posted.status == 422
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("#gapNeed")).to_have_attribute("aria-invalid", "true")
    page.select_option("#gapNeed", need_value)
    page.select_option("#gapReason", "too_far")
    page.fill("#gapDetail", f"Nearest group is two buses away ({RUN})")
    posted = submit(page, "#record-gap", href + "/gaps")
    assert posted.status in (302, 303)
    expect(page.locator("li.gap").filter(has_text=RUN)).to_contain_text("Nothing the person could get to")
    lw.snap("gap-recorded")

    commissioner = people("commissioner@demo.linkwell.test", "commissioner", "/insight")
    commissioner.goto("/insight")
    expect(commissioner.page.get_by_text("Gaps recorded by link workers").first).to_be_visible()
    expect(commissioner.page.get_by_text("Link workers' feedback on services").first).to_be_visible()
    assert RUN not in commissioner.page.content()
    commissioner.snap("insight")
