"""Browser tests of the link worker's job, finished (#16), as each user would walk it.

1. The public directory: a visitor, not signed in, goes from the sign-in page to "find local groups and
   services", searches by words and postcode, opens a service (no private facts on it), asks to be
   referred, and sends the self-referral form with that service already chosen; the link worker reads on
   the case which service the person asked for.
2. Teams: in the demo, Leeds North (Sam Patel) takes LS6 and Leeds South (Jo Reid) LS12. A GP refers one
   person from each; Sam's waiting list shows the North one and not the South one, whose case page is
   "not found" for Sam; Jo's shows the South one.
3. A change of link worker on the person's own page: the supervisor moves the demo person's case to the
   other link worker, and the person reads "Your link worker has changed" on /me. (The demo person's case
   must still be open: this file runs before test_person_voice.py, which ends it.)

Screenshots go to the artifacts folder as `job-NN-name.png`.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from conftest import GP, LINK_WORKER, PASSWORD, SUPERVISOR, Screens, _path, fill_date, fill_referral, signed_in_people
from playwright.sync_api import Browser, expect
from test_casework import submit

RUN = uuid.uuid4().hex[:8]
PERSON = "person@demo.linkwell.test"
LINK_WORKER_2 = "linkworker2@demo.linkwell.test"


@pytest.fixture(scope="module")
def job_shot(artifacts: Path) -> Screens:
    return Screens.for_file(artifacts, "job")


@pytest.fixture(scope="module")
def people(browser: Browser, server: str, job_shot: Screens):
    yield from signed_in_people(browser, server, job_shot)


def test_public_directory_then_ask_to_be_referred(browser: Browser, server: str, people, job_shot: Screens):
    visitor = browser.new_context(base_url=server)
    try:
        page = visitor.new_page()
        page.goto("/login")
        page.click("#find-support-link")
        page.wait_for_load_state()
        assert _path(page.url) == "/find-support"
        job_shot(page, "public-directory")
        page.fill("#search", "walks")
        page.fill("#postcode", "LS1 4AP")
        submit(page, "#find-support-search", "/find-support", method="GET")
        expect(page.locator("#results-title")).to_contain_text("found")
        result = page.locator("li.public-result").first
        expect(result).to_be_visible()
        name = result.locator("a.result-name").inner_text()
        job_shot(page, "public-results")
        result.locator("a.result-name").click()
        page.wait_for_load_state()
        expect(page.get_by_role("heading", level=1)).to_have_text(name)
        body = page.locator("main").inner_text() if page.locator("main").count() else page.locator("body").inner_text()
        for private in ("Governance", "governance", "Safeguarding policy", "Insurance", "feedback", "places free"):
            assert private not in body, f"the public service page shows {private!r}"
        job_shot(page, "public-service")
        page.click("#ask-to-be-referred")
        page.wait_for_load_state()
        assert _path(page.url) == "/self-referral"
        expect(page.locator("#chosen-service-name")).to_have_text(name)
        job_shot(page, "self-referral-with-service")

        page.fill('[name="person.givenName"]', "Dora")
        page.fill('[name="person.familyName"]', f"Finder-{RUN}")
        fill_date(page, "person.dateOfBirth", 2, 11, 1958)
        page.fill('[name="person.postcode"]', "LS1 4AP")
        page.fill('[name="person.phone"]', "0113 496 0001")
        page.check("#need-loneliness")
        page.fill("#personView", "I saw the walks online and would like to go.")
        page.check('[id="consent.given"]')
        posted = submit(page, "#send-self-referral", "/self-referral")
        assert posted.status in (302, 303), f"POST /self-referral: {posted.status}"
        assert _path(page.url) == "/self-referral/sent"
        job_shot(page, "self-referral-sent")
    finally:
        visitor.close()

    # The link worker finds it on the waiting list (LS1 is on no team: the scheme-wide list) and reads the choice.
    lw = people(LINK_WORKER, "linkworker", "/referrals")
    lw.goto(f"/referrals?q=Finder-{RUN}")
    lw.page.get_by_role("link", name=f"Dora Finder-{RUN}", exact=True).first.click()
    lw.page.wait_for_load_state()
    expect(lw.page.locator(".timeline")).to_contain_text(f"Asked to be referred to {name} (chosen in the public directory).")
    lw.snap("chosen-service-on-case")


def refer_from(gp, given: str, family: str, postcode: str) -> str:
    gp.goto("/referrals/new")
    fill_referral(gp.page, given, family, consent=True)
    gp.page.fill('[name="person.postcode"]', postcode)
    posted = submit(gp.page, 'button:has-text("Send referral")', "/referrals")
    assert posted.status in (302, 303)
    match = re.fullmatch(r"/referrals/([^/?#]+)", _path(gp.page.url))
    assert match, gp.page.url
    return match.group(1)


def test_team_waiting_lists(people):
    gp = people(GP, "gp", "/referrals")
    north = refer_from(gp, "Nell", f"North-{RUN}", "LS6 2QT")
    south = refer_from(gp, "Suki", f"South-{RUN}", "LS12 2TW")

    sam = people(LINK_WORKER, "linkworker", "/referrals")
    sam.goto(f"/referrals?q={RUN}")
    expect(sam.page.get_by_role("link", name=f"Nell North-{RUN}", exact=True)).to_have_count(1)
    expect(sam.page.get_by_role("link", name=f"Suki South-{RUN}", exact=True)).to_have_count(0)
    sam.snap("team-waiting-list")
    sam.goto(f"/referrals/{south}", status=404)
    sam.goto(f"/referrals/{north}")
    expect(sam.page.locator("#case-team")).to_have_text("Leeds North")

    jo = people(LINK_WORKER_2, "linkworker2", "/referrals")
    jo.goto(f"/referrals?q={RUN}")
    expect(jo.page.get_by_role("link", name=f"Suki South-{RUN}", exact=True)).to_have_count(1)
    expect(jo.page.get_by_role("link", name=f"Nell North-{RUN}", exact=True)).to_have_count(0)
    jo.snap("other-team-waiting-list")

    # The supervisor sees both.
    sup = people(SUPERVISOR, "supervisor", "/referrals")
    sup.goto(f"/referrals?q={RUN}")
    expect(sup.page.get_by_role("link", name=f"Nell North-{RUN}", exact=True)).to_have_count(1)
    expect(sup.page.get_by_role("link", name=f"Suki South-{RUN}", exact=True)).to_have_count(1)


def test_person_reads_the_change_of_link_worker_on_their_page(people):
    person = people(PERSON, "person", "/me")
    person.goto("/me")
    section = person.page.locator("section[id^=referral-]").first
    referral_id = section.get_attribute("id").removeprefix("referral-")
    current = section.locator("dl.summary div", has_text="Your link worker").locator("dd").inner_text().strip()
    other = "Jo Reid" if current == "Sam Patel" else "Sam Patel"

    sup = people(SUPERVISOR, "supervisor", "/referrals")
    path = f"/referrals/{referral_id}"
    sup.goto(path)
    sup.page.get_by_text("Reassign to another link worker").click()
    option = sup.page.locator("#toLinkWorkerId option", has_text=other)
    sup.page.select_option("#toLinkWorkerId", option.get_attribute("value"))
    sup.page.fill("#reassign-reason", f"Caseloads balanced ({RUN})")
    posted = submit(sup.page, "#reassign", f"{path}/reassign")
    assert posted.status in (302, 303)
    expect(sup.page.locator(".error-summary")).to_have_count(0)

    person.goto("/me")
    changes = person.page.locator(f"#referral-{referral_id} .link-worker-changes")
    expect(changes).to_contain_text("Your link worker has changed")
    expect(changes).to_contain_text(f"Your link worker is now {other}.")
    expect(person.page.locator("body")).not_to_contain_text(f"Caseloads balanced ({RUN})")
    person.snap("link-worker-changed")
