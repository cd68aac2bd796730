"""Browser test of the whole Linkwell journey, driven through headless Chromium.

A referrer makes a referral, a link worker accepts it, records a contact and refers the person
to a community service, the provider accepts and reports attendance, the referrer sees the
messages back, and an administrator sees the access (including a denied read) in the audit trail.
A full-page screenshot of every page visited is saved to the artifacts folder.

Run from the repository root (the server binary must already be built):

    pip install playwright pytest
    python -m pytest Tests/browser -v

The server and browser fixtures live in conftest.py (one server per session for every test file);
the environment variables they read are described there.
"""

from __future__ import annotations

import re
import uuid

from conftest import ADMIN, GP, LINK_WORKER, NURSE, PROVIDER, _path, choose_service, fill_referral
from playwright.sync_api import expect

SERVICE_NAME = "Riverside health walks"

# Unique per run, so that a database that already holds data from an earlier run does not confuse the checks.
RUN = uuid.uuid4().hex[:8]


# --------------------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------------------


def test_referral_form_rejects_bad_input(users):
    """Without consent and with a wrong NHS number, nothing is created and the referrer is told why."""
    gp = users(GP, "bad-input-gp")
    gp.sign_in("/referrals")
    given, family = "Rejected", f"Nobody-{RUN}"

    gp.goto("/referrals/new")
    fill_referral(gp.page, given, family, consent=False, nhs_number="1234567890")
    gp.snap("form-filled-without-consent")
    with gp.page.expect_response(lambda r: _path(r.url) == "/referrals" and r.request.method == "POST") as posted:
        gp.page.get_by_role("button", name="Send referral").click()
    gp.page.wait_for_load_state()
    gp.snap("form-errors")

    assert posted.value.status == 422, f"POST /referrals without consent: expected 422, got {posted.value.status}"
    summary = gp.page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text("consent")
    expect(summary).to_contain_text("NHS number")
    expect(summary.locator('a[href="#consent.given"]')).to_have_count(1)
    expect(summary.locator('a[href="#person.nhsNumber"]')).to_have_count(1)
    # What was typed comes back, so it need not be typed again.
    expect(gp.page.locator('[id="person.givenName"]')).to_have_value(given)
    expect(gp.page.locator('[id="person.familyName"]')).to_have_value(family)
    expect(gp.page.locator('[id="person.nhsNumber"]')).to_have_value("1234567890")

    gp.goto("/referrals")
    expect(gp.page.get_by_role("heading", name="My referrals")).to_be_visible()
    expect(gp.page.locator("main")).not_to_contain_text(family)
    gp.snap("no-referral-created")


def test_full_journey(users):
    given, family = "Journey", f"Tester-{RUN}"
    name = f"{given} {family}"

    # ---- Referrer makes the referral --------------------------------------------------------------
    gp = users(GP, "gp")
    gp.sign_in("/referrals")
    gp.page.locator("main").get_by_role("link", name="Make a referral").click()
    gp.page.wait_for_load_state()
    assert _path(gp.page.url) == "/referrals/new"
    # Consent is an act: no optional purpose starts ticked; the referrer ticks what the person agreed to.
    purposes = gp.page.locator('input[name="consent.purposes"]').all()
    assert len(purposes) == 3
    for purpose in purposes:
        expect(purpose).not_to_be_checked()
    fill_referral(gp.page, given, family, consent=True)
    for purpose in purposes:
        expect(purpose).to_be_checked()
    gp.snap("referral-form-filled")
    with gp.page.expect_response(lambda r: _path(r.url) == "/referrals" and r.request.method == "POST") as posted:
        gp.page.get_by_role("button", name="Send referral").click()
    gp.page.wait_for_load_state()
    assert posted.value.status in (302, 303), f"POST /referrals: expected a redirect, got {posted.value.status}"
    match = re.fullmatch(r"/referrals/([^/?#]+)", _path(gp.page.url))
    assert match and match.group(1) != "new", f"after sending, expected /referrals/{{id}}, got {gp.page.url}"
    referral_id = match.group(1)
    expect(gp.page.locator(".notice")).to_contain_text("Referral made")
    expect(gp.page.get_by_role("heading", name=f"Referral for {name}")).to_be_visible()
    expect(gp.page.locator("#referral-status")).to_have_text("Received")
    expect(gp.page.locator("#first-seen")).to_have_text("Not yet")
    gp.snap("referral-made")

    # ---- Link worker: caseload → accept → contact → refer out -------------------------------------
    lw = users(LINK_WORKER, "linkworker")
    lw.sign_in("/referrals")
    # The home page shows the front of the queue (the longest waiting); a new referral is found by name.
    lw.page.fill("#caseload-q", name)
    lw.page.locator('form[role="search"] button[type="submit"]').click()
    lw.page.wait_for_load_state()
    waiting = lw.page.locator('section[aria-labelledby="group-Waiting"]')
    row_link = waiting.get_by_role("link", name=name, exact=True)
    expect(row_link).to_have_count(1)
    expect(row_link).to_have_attribute("href", f"/referrals/{referral_id}")
    row_link.click()
    lw.page.wait_for_load_state()
    assert _path(lw.page.url) == f"/referrals/{referral_id}"
    expect(lw.page.get_by_role("heading", name=name, exact=True)).to_be_visible()
    expect(lw.page.locator("#referral-status")).to_have_text("Received")
    lw.snap("referral-waiting")

    lw.page.locator("#accept").click()
    lw.page.wait_for_load_state()
    expect(lw.page.locator("#referral-status")).to_have_text("Accepted")
    expect(lw.page.locator(".error-summary")).to_have_count(0)
    lw.snap("accepted")

    lw.page.select_option("#mode", "phone")
    lw.page.fill("#durationMinutes", "30")
    expect(lw.page.locator("#successful-yes")).to_be_checked()
    lw.page.fill("#notes", f"Talked about walking groups ({RUN}).")
    lw.page.locator("#record-contact").click()
    lw.page.wait_for_load_state()
    expect(lw.page.locator(".error-summary")).to_have_count(0)
    expect(lw.page.locator("#referral-status")).to_have_text("Engaged")
    contacts = lw.page.locator('section[aria-labelledby="contacts-title"] tbody')
    expect(contacts).to_contain_text(f"Talked about walking groups ({RUN}).")
    expect(contacts).to_contain_text("30")
    lw.snap("contact-recorded")

    choose_service(lw.page, SERVICE_NAME)
    lw.page.fill("#note", "Would like a gentle walking group, mornings.")
    lw.snap("refer-out-filled")
    lw.page.locator("#refer-out").click()
    lw.page.wait_for_load_state()
    expect(lw.page.locator(".error-summary")).to_have_count(0)
    onward_rows = lw.page.locator('section[aria-labelledby="onward-title"] tbody tr')
    expect(onward_rows).to_have_count(1)
    expect(onward_rows.first).to_contain_text(SERVICE_NAME)
    expect(onward_rows.first).to_contain_text("Requested")
    lw.snap("referred-out")

    # ---- Provider: inbox → accept → attendance -----------------------------------------------------
    provider = users(PROVIDER, "provider")
    provider.sign_in("/provider")
    inbox_row = provider.page.locator("tbody tr", has=provider.page.get_by_role("link", name=name, exact=True))
    expect(inbox_row).to_have_count(1)
    expect(inbox_row).to_contain_text(SERVICE_NAME)
    expect(inbox_row).to_contain_text("Requested")
    inbox_row.get_by_role("link", name=name, exact=True).click()
    provider.page.wait_for_load_state()
    assert re.fullmatch(r"/provider/referrals/[^/]+", _path(provider.page.url)), provider.page.url
    expect(provider.page.get_by_role("heading", name=name, exact=True)).to_be_visible()
    expect(provider.page.locator("#onward-status")).to_have_text("Requested")
    expect(provider.page.locator("main")).to_contain_text("Would like a gentle walking group, mornings.")
    provider.snap("onward-referral")

    provider.page.locator("#accept").click()
    provider.page.wait_for_load_state()
    expect(provider.page.locator(".error-summary")).to_have_count(0)
    expect(provider.page.locator("#onward-status")).to_have_text("Accepted")
    provider.snap("accepted")

    provider.page.locator("#attended").click()
    provider.page.wait_for_load_state()
    expect(provider.page.locator(".error-summary")).to_have_count(0)
    expect(provider.page.locator("#onward-status")).to_have_text("Attending")
    expect(provider.page.locator("#attendance li")).to_have_count(1)
    expect(provider.page.locator("#attendance")).to_contain_text("attended")
    expect(provider.page.locator("#attendance")).not_to_contain_text("did not attend")
    provider.snap("attended")

    # ---- Referrer sees the messages back -----------------------------------------------------------
    # The GP's home shows the person once with the latest news marked new; the message list shows each message.
    gp.goto("/referrals")
    person = gp.page.locator("#people > li.person", has=gp.page.locator(f'a[href="/referrals/{referral_id}"]'))
    expect(person).to_have_count(1)
    expect(person.locator(".latest-news")).to_contain_text("First seen by a link worker")
    expect(person.locator(".latest-news .tag-new")).to_have_text("New")
    gp.page.locator("#unread-count a").click()
    gp.page.wait_for_load_state()
    ours = gp.page.locator("ul.messages li", has=gp.page.locator(f'a[href="/referrals/{referral_id}"]'))
    expect(ours.filter(has_text="Referral accepted")).to_have_count(1)
    expect(ours.filter(has_text="First seen by a link worker")).to_have_count(1)
    gp.snap("messages-back")

    gp.goto(f"/referrals/{referral_id}")
    expect(gp.page.locator("#referral-status")).to_have_text("Engaged")
    expect(gp.page.locator("#first-seen")).not_to_have_text("Not yet")
    expect(gp.page.locator("#first-seen")).not_to_be_empty()
    expect(gp.page.locator("#messages")).to_contain_text("Referral accepted")
    expect(gp.page.locator("#messages")).to_contain_text("First seen")
    onward = gp.page.locator("#onward li")
    expect(onward).to_have_count(1)
    expect(onward).to_contain_text(SERVICE_NAME)
    expect(onward).to_contain_text("Attending")
    gp.snap("referral-engaged")
    gp.sign_out()

    # ---- Another referrer may not read it ------------------------------------------------------------
    nurse = users(NURSE, "nurse")
    nurse.sign_in("/referrals")
    nurse.goto(f"/referrals/{referral_id}", status=404)
    expect(nurse.page.get_by_role("heading", name="Page not found")).to_be_visible()
    expect(nurse.page.locator("main")).not_to_contain_text(family)
    nurse.snap("denied-read")

    # ---- Administrator sees the access in the audit trail ------------------------------------------
    admin = users(ADMIN, "admin")
    admin.sign_in("/admin/users")
    admin.goto("/admin/audit")
    expect(admin.page.get_by_role("heading", name="Audit trail")).to_be_visible()
    expect(admin.page.locator("table")).to_contain_text(referral_id)
    admin.snap("audit")

    admin.page.fill("#record", referral_id)
    admin.page.get_by_role("button", name="Filter").click()
    admin.page.wait_for_load_state()
    assert _path(admin.page.url) == "/admin/audit" and f"record={referral_id}" in admin.page.url, admin.page.url
    rows = admin.page.locator("tbody tr")
    expect(rows.first).to_be_visible()
    for text in rows.all_inner_texts():
        assert referral_id in text, f"filtered audit shows a row for another record: {text!r}"
    denied = admin.page.locator("tbody tr.denied", has_text="Nurse Ben Carter")
    expect(denied.first).to_be_visible()
    expect(denied.first.locator("td").last).to_have_text("denied")
    allowed_reads = rows.filter(has_text="Dr Amara Okafor").filter(has_text="allowed")
    expect(allowed_reads.first).to_be_visible()
    admin.snap("audit-filtered")
