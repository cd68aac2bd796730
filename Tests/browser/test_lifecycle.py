"""Browser tests of the lifecycle steps around the main path, as their users take them.

1. Triage and redirect: a link worker triages a new referral (an empty note is refused), then redirects it
   to another service; the referrer reads the message back saying where and why.
2. Review, closing with loose ends, reopening: the referral out is still requested, so its status control
   offers only the link worker's own steps with no default, and cancelling needs a confirmation; closing lists
   the loose ends and needs a tick; the closed case is reopened with a reason, under review.
3. Reassignment: the supervisor moves the case to another link worker from the case page (the reason is
   required), then moves that link worker's caseload back from the reassignment page.
4. Teams: the supervisor adds a team, its link worker and a routing rule (a bad one is refused); a new
   referral from that district is on the team's waiting list; the link worker records a case meeting from
   the team page, and it shows on the case.

Screenshots go to the artifacts folder as `lifecycle-NN-name.png`.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from conftest import GP, LINK_WORKER, SUPERVISOR, Screens, _path, choose_service, fill_referral, signed_in_people
from playwright.sync_api import Browser, expect
from test_casework import SERVICE_NAME, accept, make_referral, submit

RUN = uuid.uuid4().hex[:8]


@pytest.fixture(scope="module")
def lifecycle_shot(artifacts: Path) -> Screens:
    return Screens.for_file(artifacts, "lifecycle")


@pytest.fixture(scope="module")
def people(browser: Browser, server: str, lifecycle_shot: Screens):
    yield from signed_in_people(browser, server, lifecycle_shot)


def no_errors(user) -> None:
    expect(user.page.locator(".error-summary")).to_have_count(0)


def test_triage_then_redirect(people):
    gp = people(GP, "gp", "/referrals")
    referral_id = make_referral(gp, "Tara", f"Redirect-{RUN}")
    path = f"/referrals/{referral_id}"

    lw = people(LINK_WORKER, "linkworker", "/referrals")
    lw.goto(path)
    lw.page.get_by_text("Record triage").click()
    posted = submit(lw.page, "#triage", f"{path}/triage")
    assert posted.status == 422
    expect(lw.page.locator(".error-summary")).to_contain_text("triage note")
    lw.page.get_by_text("Record triage").click()
    lw.page.fill("#triage-note", f"Main need is debt ({RUN}).")
    posted = submit(lw.page, "#triage", f"{path}/triage")
    assert posted.status in (302, 303)
    no_errors(lw)
    expect(lw.page.locator("#referral-status")).to_have_text("Triaged")
    lw.snap("triaged")

    lw.page.get_by_text("Redirect to another service").click()
    lw.page.fill("#redirect-destination", "Citizens Advice Demo City")
    lw.page.fill("#redirect-reason", "Debt advice comes first")
    lw.page.fill("#redirect-message", "We can take her back afterwards.")
    posted = submit(lw.page, "#redirect", f"{path}/redirect")
    assert posted.status in (302, 303)
    # Off the waiting list and out of the link worker's sight: back to the caseload.
    assert _path(lw.page.url) == "/referrals", lw.page.url
    lw.snap("redirected")

    gp.goto(path)
    expect(gp.page.locator("#referral-status")).to_have_text("Redirected")
    expect(gp.page.locator("body")).to_contain_text("Citizens Advice Demo City")
    expect(gp.page.locator("body")).to_contain_text("Debt advice comes first")
    gp.snap("referrer-told")


def test_review_close_with_loose_ends_and_reopen(people):
    gp = people(GP, "gp", "/referrals")
    name = f"Ria Loose-{RUN}"
    referral_id = make_referral(gp, "Ria", f"Loose-{RUN}")
    path = f"/referrals/{referral_id}"
    lw = people(LINK_WORKER, "linkworker", "/referrals")
    accept(lw, referral_id, name)
    lw.page.select_option("#mode", "phone")
    lw.page.fill("#durationMinutes", "20")
    submit(lw.page, "#record-contact", f"{path}/contacts")
    lw.page.fill("#whatMatters", "Getting out of the house")
    lw.page.fill("#goal-1", "Walk weekly")
    submit(lw.page, 'button:has-text("Save plan")', f"{path}/plan")
    choose_service(lw.page, SERVICE_NAME)
    submit(lw.page, "#refer-out", f"{path}/onward")
    no_errors(lw)
    expect(lw.page.locator("#referral-status")).to_have_text("Active")

    # The referral out's control: no default, only the link worker's own steps, cancelling needs a tick.
    row = lw.page.locator('section[aria-labelledby="onward-title"] tbody tr').filter(has_text=SERVICE_NAME)
    select = row.locator("select")
    expect(select).to_have_value("")
    values = select.locator("option").evaluate_all("els => els.map(e => e.value)")
    assert values == ["", "cancelled", "entered-in-error"], values
    lw.snap("onward-control")

    posted = submit(lw.page, "#start-review", f"{path}/review")
    assert posted.status in (302, 303)
    expect(lw.page.locator("#referral-status")).to_have_text("Review")

    # Closing lists the loose ends and needs a tick.
    expect(lw.page.locator("#loose-ends")).to_contain_text(f"{SERVICE_NAME} is still requested")
    lw.page.select_option("#close-reason", "goals_met")
    posted = submit(lw.page, "#close-case", f"{path}/close")
    assert posted.status == 422
    expect(lw.page.locator(".error-summary")).to_contain_text("Confirm to close anyway")
    expect(lw.page.locator("#referral-status")).to_have_text("Review")
    lw.snap("close-refused")
    lw.page.select_option("#close-reason", "goals_met")
    lw.page.check("#close-confirm")
    posted = submit(lw.page, "#close-case", f"{path}/close")
    assert posted.status in (302, 303)
    no_errors(lw)
    expect(lw.page.locator("#referral-status")).to_have_text("Closed")

    # Reopened with a reason, under review.
    posted = submit(lw.page, "#reopen", f"{path}/reopen")
    assert posted.status == 422
    lw.page.fill("#reopen-reason", "She rang to come back after a bereavement")
    posted = submit(lw.page, "#reopen", f"{path}/reopen")
    assert posted.status in (302, 303)
    no_errors(lw)
    expect(lw.page.locator("#referral-status")).to_have_text("Review")
    expect(lw.page.locator(".timeline")).to_contain_text("Reopened: She rang to come back after a bereavement")
    lw.snap("reopened")


def test_supervisor_reassigns_a_case_and_a_caseload(people):
    gp = people(GP, "gp", "/referrals")
    name = f"Rhea Moved-{RUN}"
    referral_id = make_referral(gp, "Rhea", f"Moved-{RUN}")
    path = f"/referrals/{referral_id}"
    lw = people(LINK_WORKER, "linkworker", "/referrals")
    accept(lw, referral_id, name)

    sup = people(SUPERVISOR, "supervisor", "/referrals")
    sup.goto(path)
    sup.page.get_by_text("Reassign to another link worker").click()
    option = sup.page.locator("#toLinkWorkerId option", has_text="Jo Reid")
    sup.page.select_option("#toLinkWorkerId", option.get_attribute("value"))
    posted = submit(sup.page, "#reassign", f"{path}/reassign")
    assert posted.status == 422
    sup.page.get_by_text("Reassign to another link worker").click()
    sup.page.select_option("#toLinkWorkerId", option.get_attribute("value"))
    sup.page.fill("#reassign-reason", "Sam is on leave")
    posted = submit(sup.page, "#reassign", f"{path}/reassign")
    assert posted.status in (302, 303)
    no_errors(sup)
    expect(sup.page.locator("body")).to_contain_text("Link worker: Jo Reid")
    expect(sup.page.locator(".timeline")).to_contain_text("Handed over to Jo Reid: Sam is on leave")
    sup.snap("case-reassigned")

    # Sam no longer sees it.
    lw.goto(path, status=404)

    # The caseload page: move Jo's caseload to Sam.
    sup.goto("/referrals")
    sup.page.click("#reassign-caseload-link")
    sup.page.wait_for_load_state()
    sup.page.select_option("#fromLinkWorkerId", sup.page.locator("#fromLinkWorkerId option", has_text="Jo Reid").get_attribute("value"))
    sup.page.select_option("#toLinkWorkerId", sup.page.locator("#toLinkWorkerId option", has_text="Sam Patel").get_attribute("value"))
    sup.page.fill("#reassign-reason", "Jo is moving team")
    posted = submit(sup.page, "#reassign-caseload", "/caseloads/reassign")
    assert posted.status == 200
    no_errors(sup)
    expect(sup.page.locator("body")).to_contain_text(" moved. The people and their community services have been told.")
    sup.snap("caseload-reassigned")
    lw.goto(path)
    expect(lw.page.locator("body")).to_contain_text("Link worker: Sam Patel")


def test_team_waiting_list_and_case_meeting(people):
    team_name = f"Calder Valley {RUN}"
    sup = people(SUPERVISOR, "supervisor", "/referrals")
    sup.goto("/teams")
    sup.page.fill("#team-name", team_name)
    sup.page.select_option("#team-kind", "locality")
    posted = submit(sup.page, "#add-team", "/teams")
    assert posted.status in (302, 303)
    no_errors(sup)
    team_path = _path(sup.page.url)
    assert team_path.startswith("/teams/"), team_path
    sup.page.locator(".checkbox", has_text="Sam Patel").locator("input").check()
    submit(sup.page, "#save-members", f"{team_path}/members")
    no_errors(sup)
    expect(sup.page.locator("#team-members")).to_contain_text("Sam Patel")
    sup.page.fill("#rules", "postcode_district nowhere")
    posted = submit(sup.page, "#save-rules", f"{team_path}/rules")
    assert posted.status == 422
    sup.page.fill("#rules", "postcode_district HX7")
    submit(sup.page, "#save-rules", f"{team_path}/rules")
    no_errors(sup)
    sup.snap("team-set-up")

    # A referral from HX7 lands on the team's waiting list.
    gp = people(GP, "gp", "/referrals")
    gp.goto("/referrals/new")
    fill_referral(gp.page, "Hana", f"Calder-{RUN}", consent=True)
    gp.page.fill('[name="person.postcode"]', "HX7 5AB")
    submit(gp.page, 'button:has-text("Send referral")', "/referrals")
    referral_path = _path(gp.page.url)

    lw = people(LINK_WORKER, "linkworker", "/referrals")
    lw.goto("/teams")
    lw.page.get_by_role("link", name=team_name).click()
    lw.page.wait_for_load_state()
    waiting = lw.page.locator("#team-waiting tbody tr", has_text=f"Hana Calder-{RUN}")
    expect(waiting).to_have_count(1)
    lw.page.fill("#attendees", "Sam Patel, Morgan Hale")
    lw.page.fill("#meeting-note", f"Start with the walking group ({RUN}).")
    lw.page.locator(".checkbox", has_text=f"Hana Calder-{RUN}").locator("input").check()
    posted = submit(lw.page, "#record-meeting", f"{team_path}/meetings")
    assert posted.status in (302, 303)
    no_errors(lw)
    expect(lw.page.locator("#team-meetings")).to_contain_text(f"Start with the walking group ({RUN}).")
    lw.snap("team-meeting")

    lw.goto(referral_path)
    expect(lw.page.locator("#case-team")).to_have_text(team_name)
    expect(lw.page.locator("#case-meetings")).to_contain_text(f"Start with the walking group ({RUN}).")
    lw.snap("case-meeting-on-case")
