"""Browser test of casework around a case, driven through headless Chromium.

1. Safeguarding: a link worker raises a concern and escalates it to the referrer (an empty description
   is refused first). Only the referrer can acknowledge it; the supervisor sees it in the safeguarding
   queue and on their caseload, and reviews it; the link worker resolves it with who and why, and the
   concern stays on the record (it leaves the supervisor's queue, nothing is deleted).
2. Did not attend: a provider reports that the person did not attend a service they were referred to,
   and the link worker sees it on their caseload and on the case page.

Uses the server and browser fixtures in conftest.py (one server per pytest session). Screenshots are
saved to the artifacts folder as `casework-NN-name.png` (so they never clash with the journey test's
`NN-name.png`), with timings in `casework-steps.log`.

Every person and concern has text unique to the run, so a database holding earlier runs (or the demo
data, which has concerns of its own) does not confuse the checks.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from conftest import GP, LINK_WORKER, PROVIDER, SUPERVISOR, Screens, User, _path, choose_service, fill_referral, signed_in_people
from playwright.sync_api import Browser, Page, Response, expect

SERVICE_NAME = "Riverside health walks"

# Unique per run, so that a database that already holds data from an earlier run does not confuse the checks.
RUN = uuid.uuid4().hex[:8]


@pytest.fixture(scope="module")
def casework_shot(artifacts: Path) -> Screens:
    return Screens.for_file(artifacts, "casework")


@pytest.fixture(scope="module")
def people(browser: Browser, server: str, casework_shot: Screens):
    """One signed-in browser session per person, shared by the tests in this file."""
    yield from signed_in_people(browser, server, casework_shot)


def submit(page: Page, button, path: str, method: str = "POST") -> Response:
    """Clicks a submit button (a selector or a locator) and returns the response to the form's request."""
    with page.expect_response(lambda r: _path(r.url) == path and r.request.method == method) as response:
        (page.locator(button) if isinstance(button, str) else button).click()
    page.wait_for_load_state()
    return response.value


def make_referral(gp: User, given: str, family: str) -> str:
    """The referrer sends a referral with consent; returns its id."""
    gp.goto("/referrals/new")
    fill_referral(gp.page, given, family, consent=True)
    posted = submit(gp.page, 'button:has-text("Send referral")', "/referrals")
    assert posted.status in (302, 303), f"POST /referrals: expected a redirect, got {posted.status}"
    match = re.fullmatch(r"/referrals/([^/?#]+)", _path(gp.page.url))
    assert match and match.group(1) != "new", f"after sending, expected /referrals/{{id}}, got {gp.page.url}"
    expect(gp.page.locator("#referral-status")).to_have_text("Received")
    gp.snap("referral-made")
    return match.group(1)


def accept(lw: User, referral_id: str, name: str) -> None:
    lw.goto(f"/referrals/{referral_id}")
    expect(lw.page.get_by_role("heading", name=name, exact=True)).to_be_visible()
    posted = submit(lw.page, "#accept", f"/referrals/{referral_id}/accept")
    assert posted.status in (302, 303), f"POST accept: expected a redirect, got {posted.status}"
    expect(lw.page.locator(".error-summary")).to_have_count(0)
    expect(lw.page.locator("#referral-status")).to_have_text("Accepted")
    lw.snap("accepted")


def concern_item(page: Page, description: str):
    """The concern on the link worker's / supervisor's case page, by its (unique) description."""
    return page.locator("#concerns li.concern").filter(has_text=description)


def person_link(scope, name: str):
    return scope.get_by_role("link", name=name, exact=True)


# --------------------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------------------


def test_safeguarding_escalation_acknowledged_by_the_referrer(people):
    given, family = "Safeguard", f"Escalated-{RUN}"
    name = f"{given} {family}"
    description = f"Bruising seen on both arms; says a relative takes their pension ({RUN})."
    resolution = f"Adult social care visited; a safeguarding plan is in place ({RUN})."

    gp = people(GP, "gp", "/referrals")
    referral_id = make_referral(gp, given, family)
    case_path = f"/referrals/{referral_id}"

    lw = people(LINK_WORKER, "linkworker", "/referrals")
    accept(lw, referral_id, name)

    # ---- The safeguarding section: nothing raised yet ------------------------------------------------
    section = lw.page.locator('section[aria-labelledby="safeguarding-title"]')
    expect(section.locator("#safeguarding-title")).to_have_text("Safeguarding")
    expect(lw.page.locator("#concerns li")).to_have_count(0)
    expect(section).not_to_have_class(re.compile(r"\brisk-panel\b"))
    details = section.locator("details")
    expect(details).to_have_js_property("open", False)
    expect(lw.page.locator("#description")).to_be_hidden()
    details.locator("summary", has_text="Raise a safeguarding concern").click()
    expect(lw.page.locator("#description")).to_be_visible()
    escalate_options = [o.strip() for o in lw.page.locator("#escalateTo option").all_inner_texts()]
    assert "The referrer" in escalate_options, escalate_options

    # ---- Empty description: refused, nothing raised -----------------------------------------------------
    lw.page.select_option("#escalateTo", "referrer")
    lw.snap("concern-empty")
    posted = submit(lw.page, "#raise-concern", f"{case_path}/concern")
    assert posted.status == 422, f"POST a concern with no description: expected 422, got {posted.status}"
    summary = lw.page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text("A description of the concern is required")
    expect(summary.locator('a[href="#description"]')).to_have_count(1)
    expect(lw.page.locator("#concerns li")).to_have_count(0)
    expect(lw.page.locator('section[aria-labelledby="safeguarding-title"] details')).to_have_js_property("open", True)
    lw.snap("concern-empty-refused")

    lw.goto(case_path)
    expect(lw.page.locator("#concerns li")).to_have_count(0)

    # ---- Raised and escalated to the referrer ------------------------------------------------------------
    lw.page.locator('section[aria-labelledby="safeguarding-title"] summary').click()
    lw.page.fill("#description", description)
    lw.page.select_option("#escalateTo", "referrer")
    lw.snap("concern-filled")
    posted = submit(lw.page, "#raise-concern", f"{case_path}/concern")
    assert posted.status in (302, 303), f"POST a concern: expected a redirect, got {posted.status}"
    assert _path(lw.page.url) == case_path, lw.page.url
    expect(lw.page.locator(".error-summary")).to_have_count(0)
    expect(lw.page.locator("#concerns li")).to_have_count(1)
    concern = concern_item(lw.page, description)
    expect(concern).to_have_count(1)
    expect(concern).to_have_class(re.compile(r"\bopen\b"))
    expect(concern).to_contain_text("raised by Sam Patel")
    expect(concern).to_contain_text("escalated to The referrer")
    expect(concern).to_contain_text("Not yet acknowledged")
    expect(concern).to_contain_text("Not yet reviewed by a supervisor")
    expect(lw.page.locator('section[aria-labelledby="safeguarding-title"]')).to_have_class(re.compile(r"\brisk-panel\b"))
    # Only the referrer acknowledges an escalation to them: no acknowledgement (nor resolution) here.
    expect(concern.get_by_role("button")).to_have_count(0)
    expect(concern.locator('[id^="ack-name-"]')).to_have_count(0)
    expect(concern.locator('[id^="acknowledge-"]')).to_have_count(0)
    expect(concern.locator('[id^="resolution-"]')).to_have_count(0)
    expect(concern.locator('[id^="review-"]')).to_have_count(0)  # a link worker does not review
    lw.snap("concern-raised")

    # ---- Supervisor: the queue and the caseload ------------------------------------------------------------
    supervisor = people(SUPERVISOR, "supervisor", "/referrals")
    supervisor.goto("/safeguarding")
    expect(supervisor.page.get_by_role("heading", name="Safeguarding concerns", level=1)).to_be_visible()
    queue_row = supervisor.page.locator("#safeguarding-queue tbody tr").filter(has=person_link(supervisor.page, name))
    expect(queue_row).to_have_count(1)
    expect(person_link(queue_row, name)).to_have_attribute("href", case_path)
    expect(queue_row).to_contain_text(description)
    expect(queue_row).to_contain_text("by Sam Patel")
    expect(queue_row).to_contain_text("The referrer")
    expect(queue_row).to_contain_text("Waiting for acknowledgement")
    expect(queue_row).to_contain_text("Needs review")
    supervisor.snap("queue-waiting")

    supervisor.goto("/referrals")
    open_concerns = supervisor.page.locator('section[aria-labelledby="concerns-title"]')
    expect(open_concerns.locator("#concerns-title")).to_have_text("Open safeguarding concerns")
    expect(person_link(open_concerns, name)).to_have_count(1)
    expect(person_link(open_concerns, name)).to_have_attribute("href", case_path)
    expect(open_concerns.locator("li").filter(has=person_link(supervisor.page, name))).to_contain_text("escalated to The referrer")
    supervisor.snap("caseload-open-concerns")

    # ---- Referrer: told on their caseload and on the referral -------------------------------------------------
    gp.goto("/referrals")
    escalations = gp.page.locator('section[aria-labelledby="concerns-title"]')
    expect(escalations.locator("#concerns-title")).to_have_text("Safeguarding escalations needing your acknowledgement")
    expect(person_link(escalations, name)).to_have_count(1)
    expect(person_link(escalations, name)).to_have_attribute("href", case_path)
    gp.snap("caseload-escalation")

    person_link(escalations, name).click()
    gp.page.wait_for_load_state()
    assert _path(gp.page.url) == case_path, gp.page.url
    expect(gp.page.get_by_role("heading", name=f"Referral for {name}")).to_be_visible()
    escalation = gp.page.locator("#escalations li").filter(has_text=description)
    expect(escalation).to_have_count(1)
    acknowledge = escalation.locator('button[id^="acknowledge-"]')
    expect(acknowledge).to_have_count(1)
    expect(acknowledge).to_have_text("Acknowledge")
    expect(escalation).not_to_contain_text("You acknowledged this")
    concern_id = acknowledge.get_attribute("id").removeprefix("acknowledge-")
    assert concern_id, "the Acknowledge button carries the concern's id"
    gp.snap("escalation-to-acknowledge")

    # ---- The link worker cannot acknowledge it for the referrer, even by posting the form directly --------------
    lw.goto(case_path)
    csrf = lw.page.locator('form[action$="/concern"] input[name="_csrf"]').get_attribute("value")
    refused = lw.page.request.post(f"{case_path}/concern-acknowledge", max_redirects=0,
                                   form={"_csrf": csrf, "concernId": concern_id, "acknowledgedByName": "Sam Patel"})
    assert refused.status == 403, f"link worker acknowledging the referrer's escalation: expected 403, got {refused.status}"
    lw.goto(case_path)
    expect(concern_item(lw.page, description)).to_contain_text("Not yet acknowledged")

    # ---- The referrer acknowledges -------------------------------------------------------------------------------
    posted = submit(gp.page, acknowledge, f"{case_path}/concern-acknowledge")
    assert posted.status in (302, 303), f"POST acknowledge as the referrer: expected a redirect, got {posted.status}"
    assert _path(gp.page.url) == case_path, gp.page.url
    expect(gp.page.locator(".error-summary")).to_have_count(0)
    escalation = gp.page.locator("#escalations li").filter(has_text=description)
    expect(escalation).to_contain_text(re.compile(r"You acknowledged this on \S.*\."))
    expect(escalation.locator('[id^="acknowledge-"]')).to_have_count(0)
    gp.snap("escalation-acknowledged")

    gp.goto("/referrals")
    expect(person_link(gp.page.locator('section[aria-labelledby="concerns-title"]'), name)).to_have_count(0)
    gp.snap("caseload-no-escalation")

    # ---- Link worker sees who acknowledged ---------------------------------------------------------------------------
    lw.goto(case_path)
    concern = concern_item(lw.page, description)
    expect(concern).to_contain_text("Acknowledged by Dr Amara Okafor on")
    expect(concern).not_to_contain_text("Not yet acknowledged")
    expect(concern.locator('[id^="resolution-"]')).to_have_count(1)  # it can be resolved now
    lw.snap("concern-acknowledged")

    # ---- Supervisor: still open (acknowledged, not reviewed); reviews it --------------------------------------------
    supervisor.goto("/safeguarding")
    queue_row = supervisor.page.locator("#safeguarding-queue tbody tr").filter(has=person_link(supervisor.page, name))
    expect(queue_row).to_have_count(1)
    expect(queue_row).to_contain_text("Acknowledged")
    expect(queue_row).not_to_contain_text("Waiting for acknowledgement")
    expect(queue_row).to_contain_text("Needs review")
    person_link(queue_row, name).click()
    supervisor.page.wait_for_load_state()
    assert _path(supervisor.page.url) == case_path, supervisor.page.url
    concern = concern_item(supervisor.page, description)
    review = concern.locator(f'[id="review-{concern_id}"]')
    expect(review).to_have_text("Mark reviewed")
    supervisor.snap("concern-to-review")
    posted = submit(supervisor.page, review, f"{case_path}/concern-review")
    assert posted.status in (302, 303), f"POST review as the supervisor: expected a redirect, got {posted.status}"
    expect(supervisor.page.locator(".error-summary")).to_have_count(0)
    concern = concern_item(supervisor.page, description)
    expect(concern).to_contain_text("Reviewed by Morgan Hale on")
    expect(concern.locator('[id^="review-"]')).to_have_count(0)
    supervisor.snap("concern-reviewed")

    supervisor.goto("/safeguarding")
    queue_row = supervisor.page.locator("#safeguarding-queue tbody tr").filter(has=person_link(supervisor.page, name))
    expect(queue_row).to_have_count(1)  # reviewed, but still open
    expect(queue_row).not_to_contain_text("Needs review")
    supervisor.snap("queue-reviewed")

    # ---- Link worker resolves it (an empty resolution is refused first) -------------------------------------------------
    lw.goto(case_path)
    concern = concern_item(lw.page, description)
    expect(concern).to_contain_text("Reviewed by Morgan Hale")
    posted = submit(lw.page, concern.get_by_role("button", name="Resolve", exact=True), f"{case_path}/concern-resolve")
    assert posted.status == 422, f"POST resolve with no resolution: expected 422, got {posted.status}"
    expect(lw.page.locator(".error-summary")).to_contain_text("How the concern was resolved is required")
    expect(concern_item(lw.page, description)).to_have_class(re.compile(r"\bopen\b"))
    expect(concern_item(lw.page, description)).not_to_contain_text("Resolved by")
    lw.snap("resolution-empty-refused")

    lw.goto(case_path)
    concern = concern_item(lw.page, description)
    concern.locator(f'[id="resolution-{concern_id}"]').fill(resolution)
    lw.snap("resolution-filled")
    posted = submit(lw.page, concern.get_by_role("button", name="Resolve", exact=True), f"{case_path}/concern-resolve")
    assert posted.status in (302, 303), f"POST resolve: expected a redirect, got {posted.status}"
    assert _path(lw.page.url) == case_path, lw.page.url
    expect(lw.page.locator(".error-summary")).to_have_count(0)
    # Still on the record, with who resolved it and how.
    expect(lw.page.locator("#concerns li")).to_have_count(1)
    concern = concern_item(lw.page, description)
    expect(concern).to_have_count(1)
    expect(concern).not_to_have_class(re.compile(r"\bopen\b"))
    expect(concern).to_contain_text(re.compile(r"Resolved by Sam Patel on .+: " + re.escape(resolution)))
    expect(concern).to_contain_text("Acknowledged by Dr Amara Okafor")
    expect(concern).to_contain_text("Reviewed by Morgan Hale")
    expect(concern.locator('[id^="resolution-"]')).to_have_count(0)
    expect(lw.page.locator('section[aria-labelledby="safeguarding-title"]')).not_to_have_class(re.compile(r"\brisk-panel\b"))
    lw.snap("concern-resolved")

    # ---- Supervisor: no longer in the queue, nor among the open concerns; still on the case ---------------------------------
    supervisor.goto("/safeguarding")
    expect(supervisor.page.get_by_role("heading", name="Safeguarding concerns", level=1)).to_be_visible()
    expect(person_link(supervisor.page.locator("main"), name)).to_have_count(0)
    expect(supervisor.page.locator("main")).not_to_contain_text(description)
    supervisor.snap("queue-after-resolution")
    supervisor.goto("/referrals")
    expect(person_link(supervisor.page.locator('section[aria-labelledby="concerns-title"]'), name)).to_have_count(0)
    supervisor.goto(case_path)
    expect(concern_item(supervisor.page, description)).to_contain_text("Resolved by Sam Patel")

    # ---- Referrer: the escalation is still shown, acknowledged ----------------------------------------------------------------
    gp.goto(case_path)
    escalation = gp.page.locator("#escalations li").filter(has_text=description)
    expect(escalation).to_have_count(1)
    expect(escalation).to_contain_text("You acknowledged this on")
    gp.snap("escalation-after-resolution")


def test_did_not_attend_shows_on_the_caseload(people):
    given, family = "Absent", f"Walker-{RUN}"
    name = f"{given} {family}"

    gp = people(GP, "gp", "/referrals")
    referral_id = make_referral(gp, given, family)
    case_path = f"/referrals/{referral_id}"

    # ---- Link worker: accept, a successful contact, refer out ---------------------------------------------------
    lw = people(LINK_WORKER, "linkworker", "/referrals")
    accept(lw, referral_id, name)
    lw.page.select_option("#mode", "phone")
    lw.page.fill("#durationMinutes", "25")
    expect(lw.page.locator("#successful-yes")).to_be_checked()
    lw.page.fill("#notes", f"Keen on a walking group ({RUN}).")
    posted = submit(lw.page, "#record-contact", f"{case_path}/contacts")
    assert posted.status in (302, 303), f"POST a contact: expected a redirect, got {posted.status}"
    expect(lw.page.locator(".error-summary")).to_have_count(0)
    expect(lw.page.locator("#referral-status")).to_have_text("Engaged")
    lw.snap("dna-contact-recorded")

    choose_service(lw.page, SERVICE_NAME)
    lw.page.fill("#note", f"Mornings suit best ({RUN}).")
    posted = submit(lw.page, "#refer-out", f"{case_path}/onward")
    assert posted.status in (302, 303), f"POST refer out: expected a redirect, got {posted.status}"
    expect(lw.page.locator(".error-summary")).to_have_count(0)
    onward_rows = lw.page.locator('section[aria-labelledby="onward-title"] tbody tr')
    expect(onward_rows).to_have_count(1)
    expect(onward_rows.first).to_contain_text(SERVICE_NAME)
    expect(onward_rows.first).to_contain_text("Requested")
    lw.snap("dna-referred-out")

    # ---- Provider: accept, then "did not attend" ---------------------------------------------------------------------
    provider = people(PROVIDER, "provider", "/provider")
    provider.goto("/provider")
    inbox_row = provider.page.locator("tbody tr", has=person_link(provider.page, name))
    expect(inbox_row).to_have_count(1)
    expect(inbox_row).to_contain_text(SERVICE_NAME)
    person_link(inbox_row, name).click()
    provider.page.wait_for_load_state()
    match = re.fullmatch(r"/provider/referrals/([^/]+)", _path(provider.page.url))
    assert match, provider.page.url
    provider_path = _path(provider.page.url)
    expect(provider.page.locator("#onward-status")).to_have_text("Requested")

    posted = submit(provider.page, "#accept", f"{provider_path}/accept")
    assert posted.status in (302, 303), f"POST provider accept: expected a redirect, got {posted.status}"
    expect(provider.page.locator(".error-summary")).to_have_count(0)
    expect(provider.page.locator("#onward-status")).to_have_text("Accepted")
    provider.snap("dna-accepted")

    posted = submit(provider.page, "#did-not-attend", f"{provider_path}/attendance")
    assert posted.status in (302, 303), f"POST did not attend: expected a redirect, got {posted.status}"
    expect(provider.page.locator(".error-summary")).to_have_count(0)
    expect(provider.page.locator("#attendance li")).to_have_count(1)
    expect(provider.page.locator("#attendance li").first).to_contain_text("did not attend")
    expect(provider.page.locator("#onward-status")).to_have_text("Accepted")  # not attending until they attend
    provider.snap("dna-reported")

    # ---- Link worker: the caseload row and the case page ---------------------------------------------------------------
    lw.goto("/referrals")
    # The caseload groups (the "Outcome measures due" table above them may list the person too).
    row = lw.page.locator('section[aria-labelledby^="group-"] tbody tr').filter(has=person_link(lw.page, name))
    expect(row).to_have_count(1)
    expect(lw.page.locator('section[aria-labelledby="group-Active"] tbody tr').filter(has=person_link(lw.page, name))).to_have_count(1)
    expect(person_link(row, name)).to_have_attribute("href", case_path)
    dna_tag = row.locator(".tag-dna")
    expect(dna_tag).to_have_count(1)
    expect(dna_tag).to_have_text("Did not attend (1)")
    expect(row).to_contain_text("Did not attend (1)")
    lw.snap("dna-caseload")

    person_link(row, name).click()
    lw.page.wait_for_load_state()
    assert _path(lw.page.url) == case_path, lw.page.url
    onward_row = lw.page.locator('section[aria-labelledby="onward-title"] tbody tr').filter(has_text=SERVICE_NAME)
    expect(onward_row).to_have_count(1)
    expect(onward_row).to_contain_text("did not attend")
    expect(onward_row.locator(".tag-dna")).to_have_count(1)
    expect(onward_row.locator(".tag-attended")).to_have_count(0)
    lw.snap("dna-case-page")
