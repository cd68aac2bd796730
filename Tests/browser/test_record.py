"""Browser test of the standard's record sections and the message back letter, through headless Chromium.

The demo link worker opens an active case and walks the new record sections: records "no known risks",
then a risk (which ends "no known risks"), a requested action for the GP, and the record details
(gender, pronouns, carer status, about me, reasonable adjustments); then opens the printable message
back letter and finds the plan and requested actions before the journey, the risk among the risks,
and the navigation hidden when printed. The administrator opens the code lists and is refused an
unknown SNOMED CT code beside its field. Text unique to the run keeps earlier runs from confusing checks.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from conftest import ADMIN, LINK_WORKER, Screens, _path, signed_in_people
from playwright.sync_api import Browser, Page, Response, expect

RUN = uuid.uuid4().hex[:8]


@pytest.fixture(scope="module")
def record_shot(artifacts: Path) -> Screens:
    return Screens.for_file(artifacts, "record")


@pytest.fixture(scope="module")
def people(browser: Browser, server: str, record_shot: Screens):
    yield from signed_in_people(browser, server, record_shot)


def submit(page: Page, button, path_prefix: str) -> Response:
    with page.expect_response(lambda r: _path(r.url).startswith(path_prefix) and r.request.method == "POST") as response:
        (page.locator(button) if isinstance(button, str) else button).click()
    page.wait_for_load_state()
    return response.value


def test_link_worker_walks_the_record_and_the_letter(people):
    lw = people(LINK_WORKER, "linkworker", "/referrals")
    page = lw.page
    lw.goto("/referrals?list=active")
    href = page.locator('tr[data-status=active] a[href^="/referrals/"]').first.get_attribute("href")
    lw.goto(href)
    expect(page.locator("#record")).to_be_visible()

    # "Other" needs words: refused beside the field, nothing stored.
    page.select_option("#risk", "other")
    posted = submit(page, "#record-risk", href + "/risks")
    assert posted.status == 422
    expect(page.locator("#riskDetail")).to_have_attribute("aria-invalid", "true")

    # End whatever risks earlier runs left, then record that there are none known.
    for _ in range(20):
        ends = page.locator("li.record-risk:not(.ended)").get_by_role("button", name="No longer applies")
        if ends.count() == 0:
            break
        submit(page, ends.first, href + "/risks/")
    page.select_option("#risk", "no_known_risks")
    assert submit(page, "#record-risk", href + "/risks").status in (302, 303)
    expect(page.locator("li.record-risk:not(.ended)")).to_contain_text("No known risks")
    lw.snap("no-known-risks")

    # A real risk ends "no known risks".
    page.select_option("#risk", "falls")
    page.fill("#riskDetail", f"Two falls this winter ({RUN})")
    assert submit(page, "#record-risk", href + "/risks").status in (302, 303)
    expect(page.locator("li.record-risk:not(.ended)").filter(has_text=RUN)).to_contain_text("Risk of falls")
    expect(page.locator("li.record-risk.ended").filter(has_text="No known risks").first).to_be_visible()

    # A requested action for the GP.
    page.select_option("#audience", "professional")
    page.fill("#actionDescription", f"Please review her pain relief ({RUN})")
    page.check("#agreedWithPerson")
    assert submit(page, "#add-requested-action", href + "/requested-actions").status in (302, 303)
    expect(page.locator("li.record-action").filter(has_text=RUN)).to_contain_text("For the referrer or GP")

    # Record details: demographics, about me, requirements.
    page.select_option("#gender", "woman")
    page.fill("#pronouns", "she/her")
    page.fill("#title", "Mrs")
    page.fill("#religion", "Quaker")
    page.select_option("#carerStatus", "carer")
    page.fill("#whatMattersToMe", f"My allotment ({RUN})")
    page.fill("#reasonableAdjustments", "Large print letters")
    assert submit(page, "#save-record-details", href + "/record-details").status in (302, 303)
    details = page.locator("#record-details")
    expect(details).to_contain_text("she/her")
    expect(details).to_contain_text("Is a carer")
    expect(details).to_contain_text("Mrs")
    expect(details).to_contain_text("Quaker")
    expect(details).to_contain_text(RUN)
    lw.snap("record-sections")

    # The printable letter: plan and requested actions first, then the journey with the risk.
    page.click("#message-back-link")
    page.wait_for_load_state()
    assert _path(page.url) == href + "/message-back"
    expect(page.locator("#actions-professionals")).to_contain_text(RUN)
    expect(page.locator("#letter-risks")).to_contain_text("Two falls this winter")
    plan_y = page.locator("#letter-plan").bounding_box()["y"]
    summary_y = page.locator("#letter-summary").bounding_box()["y"]
    assert plan_y < summary_y, "plan and requested actions come before the journey"
    expect(page.locator("#letter-about")).to_contain_text("Registered GP practice")
    lw.snap("letter")
    page.emulate_media(media="print")
    expect(page.locator("#message-back")).to_be_visible()
    expect(page.locator("p.no-print")).to_be_hidden()
    lw.snap("letter-print")
    page.emulate_media(media="screen")


def test_admin_maps_a_code_with_its_source(people):
    admin = people(ADMIN, "admin", "/admin/users")
    page = admin.page
    admin.goto("/admin/code-lists?list=risks")
    expect(page.locator("#code-list")).to_contain_text("No known risks")
    expect(page.locator("#code-list")).to_contain_text("Local (unmapped)")
    page.select_option("#key", "falls")
    page.select_option("#system", "http://snomed.info/sct")
    page.fill("#code", "12345")
    posted = submit(page, "#save-mapping", "/admin/code-lists/risks")
    assert posted.status == 422
    expect(page.locator("#code")).to_have_attribute("aria-invalid", "true")
    admin.snap("code-lists-refused")
