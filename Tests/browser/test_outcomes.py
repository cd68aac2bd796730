"""Browser test of the outcome-measures pages, driven through headless Chromium.

A referrer makes a referral and a link worker engages the person; on the case page the link worker
records ONS4 (a follow-up before any baseline is refused, then a baseline and a follow-up whose
change is shown with a chart). The licensed SWEMWBS cannot be recorded, and an administrator cannot
record its licence without confirming it. The administrator adds the scheme's own instrument (and an
invalid one is refused), and a supervisor reads the cohort report.

Uses the server and browser fixtures in conftest.py (one server per pytest session). Screenshots are
saved to the artifacts folder as `outcomes-NN-name.png` (so they never clash with the journey test's
`NN-name.png`), with timings in `outcomes-steps.log`.

Nothing here changes scheme-wide state that another test could trip over: the SWEMWBS licence is only
ever refused, and the custom instruments have an id unique to the run.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import pytest
from conftest import ADMIN, GP, LINK_WORKER, SUPERVISOR, Screens, _path, fill_referral, signed_in_people
from playwright.sync_api import Browser, Page, Response, expect

# Unique per run, so that a database that already holds data from an earlier run does not confuse the checks.
RUN = uuid.uuid4().hex[:8]
TOO_FEW = "Too few people with paired data to report."


@pytest.fixture(scope="module")
def outcome_shot(artifacts: Path) -> Screens:
    return Screens.for_file(artifacts, "outcomes")


@pytest.fixture(scope="module")
def people(browser: Browser, server: str, outcome_shot: Screens):
    """One signed-in browser session per person, shared by the tests in this file."""
    yield from signed_in_people(browser, server, outcome_shot)


def _page_path(url: str) -> str:
    """The path of a URL, without query or fragment (a redirect may add `#outcomes-title`)."""
    return _path(url).split("#")[0]


def submit(page: Page, button: str, path: str, method: str = "POST") -> Response:
    """Clicks a submit button and returns the response to the form's request (before any redirect)."""
    with page.expect_response(lambda r: _path(r.url) == path and r.request.method == method) as response:
        page.locator(button).click()
    page.wait_for_load_state()
    return response.value


@pytest.fixture(scope="module")
def engaged_case(people) -> dict:
    """A new referral (unique name), accepted by the link worker after a successful first contact: "Engaged"."""
    given, family = "Outcome", f"Measured-{RUN}"
    gp = people(GP, "gp", "/referrals")
    gp.goto("/referrals/new")
    fill_referral(gp.page, given, family, consent=True)
    posted = submit(gp.page, 'button:has-text("Send referral")', "/referrals")
    assert posted.status in (302, 303), f"POST /referrals: expected a redirect, got {posted.status}"
    match = re.fullmatch(r"/referrals/([^/?#]+)", _path(gp.page.url))
    assert match and match.group(1) != "new", f"after sending, expected /referrals/{{id}}, got {gp.page.url}"
    referral_id = match.group(1)
    expect(gp.page.locator("#referral-status")).to_have_text("Received")
    gp.snap("referral-made")

    lw = people(LINK_WORKER, "linkworker", "/referrals")
    lw.goto(f"/referrals/{referral_id}")
    expect(lw.page.get_by_role("heading", name=f"{given} {family}", exact=True)).to_be_visible()
    lw.page.locator("#accept").click()
    lw.page.wait_for_load_state()
    expect(lw.page.locator("#referral-status")).to_have_text("Accepted")
    lw.page.select_option("#mode", "phone")
    lw.page.fill("#durationMinutes", "20")
    lw.page.fill("#notes", f"First conversation ({RUN}).")
    lw.page.locator("#record-contact").click()
    lw.page.wait_for_load_state()
    expect(lw.page.locator(".error-summary")).to_have_count(0)
    expect(lw.page.locator("#referral-status")).to_have_text("Engaged")
    lw.snap("engaged")
    return {"id": referral_id, "name": f"{given} {family}"}


def outcomes_section(page: Page):
    return page.locator('section[aria-labelledby="outcomes-title"]')


def score_panel(page: Page, label: str):
    return outcomes_section(page).locator("div.outcome").filter(has=page.get_by_role("heading", name=label, exact=True))


def answer_ons4(page: Page, *, life_satisfaction: int, worthwhile: int, happiness: int, anxiety: int) -> None:
    for item, value in (("life_satisfaction", life_satisfaction), ("worthwhile", worthwhile),
                        ("happiness", happiness), ("anxiety", anxiety)):
        page.check(f"#q-{item}-{value}")


# --------------------------------------------------------------------------------------------------
# Tests (they run in file order and share the engaged case)
# --------------------------------------------------------------------------------------------------


def test_ons4_recorded_on_the_case_page(people, engaged_case):
    referral_id = engaged_case["id"]
    lw = people(LINK_WORKER, "linkworker", "/referrals")
    lw.goto(f"/referrals/{referral_id}")
    section = outcomes_section(lw.page)
    expect(section.locator("#outcomes-title")).to_have_text("Outcome measures")
    expect(section).to_contain_text("No measures recorded yet.")
    expect(section.locator("svg.chart")).to_have_count(0)
    lw.snap("case-no-measures")

    # ---- The questionnaire ------------------------------------------------------------------------
    section.locator("#record-ons4").click()
    lw.page.wait_for_load_state()
    assert _path(lw.page.url) == f"/referrals/{referral_id}/outcomes/new", lw.page.url
    expect(lw.page.get_by_role("heading", name="ONS4 personal wellbeing", level=1)).to_be_visible()
    expect(lw.page.locator("#timepoint")).to_have_value("baseline")  # no baseline yet, so that is the default
    expect(lw.page.locator("fieldset.question")).to_have_count(4)
    expect(lw.page.locator('input[name="answers.life_satisfaction"]')).to_have_count(11)  # 0–10
    lw.snap("questionnaire")

    # ---- Nothing answered: refused -------------------------------------------------------------------
    posted = submit(lw.page, "#save-measure", f"/referrals/{referral_id}/outcomes")
    assert posted.status == 422, f"POST outcomes with no answers: expected 422, got {posted.status}"
    expect(lw.page.locator(".error-summary")).to_contain_text("Answer at least one question")
    lw.snap("no-answers-refused")

    # ---- A follow-up before any baseline: refused, nothing recorded ------------------------------------
    lw.page.select_option("#timepoint", "follow_up")
    answer_ons4(lw.page, life_satisfaction=3, worthwhile=4, happiness=3, anxiety=8)
    posted = submit(lw.page, "#save-measure", f"/referrals/{referral_id}/outcomes")
    assert posted.status == 409, f"POST a follow-up before a baseline: expected 409, got {posted.status}"
    summary = lw.page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text("needs a baseline")
    expect(summary.locator('a[href="#timepoint"]')).to_have_count(1)
    # The form comes back as it was filled in.
    expect(lw.page.locator("#timepoint")).to_have_value("follow_up")
    expect(lw.page.locator("#q-life_satisfaction-3")).to_be_checked()
    expect(lw.page.locator("#q-anxiety-8")).to_be_checked()
    lw.snap("follow-up-before-baseline-refused")

    lw.goto(f"/referrals/{referral_id}")
    expect(outcomes_section(lw.page)).to_contain_text("No measures recorded yet.")
    expect(outcomes_section(lw.page).locator("svg.chart")).to_have_count(0)

    # ---- Baseline ------------------------------------------------------------------------------------
    outcomes_section(lw.page).locator("#record-ons4").click()
    lw.page.wait_for_load_state()
    lw.page.select_option("#timepoint", "baseline")
    answer_ons4(lw.page, life_satisfaction=3, worthwhile=4, happiness=3, anxiety=8)
    lw.snap("baseline-filled")
    posted = submit(lw.page, "#save-measure", f"/referrals/{referral_id}/outcomes")
    assert posted.status in (302, 303), f"POST baseline: expected a redirect, got {posted.status}"
    assert _page_path(lw.page.url) == f"/referrals/{referral_id}", lw.page.url
    section = outcomes_section(lw.page)
    expect(lw.page.locator(".error-summary")).to_have_count(0)
    expect(section).not_to_contain_text("No measures recorded yet.")
    expect(section.locator("svg.chart").first).to_be_visible()
    expect(section.locator("svg.chart")).to_have_count(4)  # one per ONS4 score
    life = score_panel(lw.page, "Life satisfaction")
    expect(life).to_have_count(1)
    expect(life.locator("svg.chart")).to_have_count(1)
    expect(life).to_contain_text("Latest: 3")
    expect(life).to_contain_text("Baseline: 3")
    expect(life).not_to_contain_text("change from baseline")
    expect(score_panel(lw.page, "Anxiety")).to_contain_text("Latest: 8")
    lw.snap("baseline-recorded")

    # ---- Follow-up -------------------------------------------------------------------------------------
    section.locator("#record-ons4").click()
    lw.page.wait_for_load_state()
    expect(lw.page.locator("#timepoint")).to_have_value("follow_up")  # there is a baseline now
    lw.page.select_option("#timepoint", "follow_up")
    answer_ons4(lw.page, life_satisfaction=7, worthwhile=4, happiness=3, anxiety=8)
    lw.snap("follow-up-filled")
    posted = submit(lw.page, "#save-measure", f"/referrals/{referral_id}/outcomes")
    assert posted.status in (302, 303), f"POST follow-up: expected a redirect, got {posted.status}"
    assert _page_path(lw.page.url) == f"/referrals/{referral_id}", lw.page.url
    expect(lw.page.locator(".error-summary")).to_have_count(0)
    life = score_panel(lw.page, "Life satisfaction")
    expect(life).to_contain_text("Latest: 7")
    expect(life).to_contain_text("change from baseline +4")
    expect(life).to_contain_text("Meaningful improvement")
    expect(life).to_contain_text("Baseline: 3; Follow-up: 7")
    worthwhile = score_panel(lw.page, "Worthwhile")
    expect(worthwhile).to_contain_text("change from baseline +0")
    expect(worthwhile).to_contain_text("No meaningful change")
    lw.snap("follow-up-recorded")


def test_swemwbs_needs_a_licence(people, engaged_case):
    referral_id = engaged_case["id"]
    lw = people(LINK_WORKER, "linkworker", "/referrals")
    lw.goto(f"/referrals/{referral_id}")
    section = outcomes_section(lw.page)
    expect(section.locator("#record-swemwbs")).to_have_count(0)
    # Not set up is the administrator's business: the link worker is offered only what can be recorded,
    # with no licence notice (issue #17).
    expect(section.locator("li", has_text="SWEMWBS")).to_have_count(0)
    expect(section).not_to_contain_text("licence")
    lw.snap("swemwbs-not-available")

    admin = people(ADMIN, "admin", "/admin/users")
    admin.goto("/admin/instruments")
    expect(admin.page.get_by_role("heading", name="Outcome instruments", level=1)).to_be_visible()
    panel = admin.page.locator('section[aria-labelledby="instrument-swemwbs"]')
    expect(panel.locator("h2")).to_contain_text("Not available")
    expect(panel.locator("h2")).not_to_contain_text("In use")
    expect(panel.locator("#ack-swemwbs")).not_to_be_checked()
    admin.snap("instruments")

    # Wording for every item, but the licence not confirmed: refused. (Placeholder text, not the licensed wording;
    # the licence is never completed here, so a shared database keeps SWEMWBS unavailable.)
    for n in range(1, 8):
        panel.locator(f'[id="wording-swemwbs-item{n}"]').fill(f"Placeholder wording {n} ({RUN})")
    posted = submit(admin.page, 'section[aria-labelledby="instrument-swemwbs"] button:has-text("Record licence")',
                    "/admin/instruments/swemwbs/licence")
    assert posted.status == 422, f"POST the SWEMWBS licence unconfirmed: expected 422, got {posted.status}"
    summary = admin.page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Confirm that the scheme holds a licence")
    expect(admin.page.locator('section[aria-labelledby="instrument-swemwbs"] h2')).to_contain_text("Not available")
    admin.snap("swemwbs-licence-refused")

    admin.goto("/admin/instruments")
    expect(admin.page.locator('section[aria-labelledby="instrument-swemwbs"] h2')).to_contain_text("Not available")
    lw.goto(f"/referrals/{referral_id}")
    expect(outcomes_section(lw.page).locator("#record-swemwbs")).to_have_count(0)


def custom_instrument(instrument_id: str, name: str, score_items: list[str]) -> str:
    return json.dumps({
        "id": instrument_id, "name": name, "instructions": "Rate each", "builtIn": False, "responseLabels": {},
        "items": [{"id": "q1", "text": "How confident do you feel about going to a new group?", "min": 1, "max": 5}],
        "scores": [{"id": "total", "label": "Confidence", "method": "sum", "items": score_items, "requireComplete": True,
                    "higherIsBetter": True, "meaningfulChange": 1, "bands": []}],
        "licence": {"terms": "Our own measure", "copyright": "", "wordingRequiresLicence": False},
    }, indent=2)


def test_admin_adds_a_custom_instrument(people, engaged_case):
    admin = people(ADMIN, "admin", "/admin/users")
    good_id, bad_id = f"confidence_{RUN}", f"confidence_bad_{RUN}"

    # ---- Invalid: a score refers to an item the instrument does not have --------------------------------
    admin.goto("/admin/instruments")
    bad = custom_instrument(bad_id, f"Broken confidence {RUN}", ["q2"])
    admin.page.fill("#definition", bad)
    posted = submit(admin.page, 'button:has-text("Add instrument")', "/admin/instruments")
    assert posted.status == 422, f"POST an instrument whose score uses a missing item: expected 422, got {posted.status}"
    summary = admin.page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("'q2'")
    expect(summary).to_contain_text("does not have")
    expect(admin.page.locator("#definition")).to_have_value(bad)  # kept for correcting
    expect(admin.page.locator(f'section[aria-labelledby="instrument-{bad_id}"]')).to_have_count(0)
    admin.snap("custom-instrument-invalid")

    # ---- Not JSON at all ---------------------------------------------------------------------------------
    admin.page.fill("#definition", '{"id": "oops",')
    posted = submit(admin.page, 'button:has-text("Add instrument")', "/admin/instruments")
    assert posted.status == 422, f"POST a definition that is not JSON: expected 422, got {posted.status}"
    expect(admin.page.locator(".error-summary")).to_contain_text("not valid instrument JSON")

    # ---- Valid ---------------------------------------------------------------------------------------------
    admin.page.fill("#definition", custom_instrument(good_id, f"Confidence {RUN}", ["q1"]))
    admin.snap("custom-instrument-filled")
    posted = submit(admin.page, 'button:has-text("Add instrument")', "/admin/instruments")
    assert posted.status in (302, 303), f"POST a valid instrument: expected a redirect, got {posted.status}"
    assert _path(admin.page.url) == "/admin/instruments", admin.page.url
    expect(admin.page.locator(".error-summary")).to_have_count(0)
    panel = admin.page.locator(f'section[aria-labelledby="instrument-{good_id}"]')
    expect(panel).to_have_count(1)
    expect(panel.locator("h2")).to_contain_text(f"Confidence {RUN}")
    expect(panel.locator("h2")).to_contain_text("In use")
    expect(panel).to_contain_text("Our own measure")
    expect(admin.page.locator(f'section[aria-labelledby="instrument-{bad_id}"]')).to_have_count(0)
    admin.snap("custom-instrument-added")

    # The link worker can now record it for the person.
    lw = people(LINK_WORKER, "linkworker", "/referrals")
    lw.goto(f"/referrals/{engaged_case['id']}")
    link = outcomes_section(lw.page).locator(f'[id="record-{good_id}"]')
    expect(link).to_have_text(f"Record Confidence {RUN}")
    expect(outcomes_section(lw.page).locator(f'[id="record-{bad_id}"]')).to_have_count(0)


def test_cohort_report(people, engaged_case):
    supervisor = people(SUPERVISOR, "supervisor", "/referrals")
    supervisor.goto("/outcomes/cohorts")
    expect(supervisor.page.get_by_role("heading", name="Outcomes", level=1)).to_be_visible()
    expect(supervisor.page.locator("#cohort-table")).to_have_count(0)  # no report until asked
    supervisor.page.select_option("#instrument", "ons4")
    supervisor.page.select_option("#score", "life_satisfaction")
    supervisor.page.select_option("#by", "pathway")
    supervisor.page.fill("#minimumN", "10")
    response = submit(supervisor.page, 'button:has-text("Show report")', "/outcomes/cohorts", method="GET")
    assert response.status == 200, f"GET the cohort report: expected 200, got {response.status}"
    for field in ("instrument=ons4", "score=life_satisfaction", "by=pathway", "minimumN=10"):
        assert field in supervisor.page.url, supervisor.page.url
    expect(supervisor.page.locator(".error-summary")).to_have_count(0)
    expect(supervisor.page.get_by_role("heading", name="Life satisfaction: change from baseline to the latest measure after baseline (12-week or closing)")).to_be_visible()
    expect(supervisor.page.locator("#cohort-included")).to_contain_text("consent covers evaluation")
    expect(supervisor.page.locator("#meaningful-change")).to_contain_text("No validated threshold is published for the ONS4 items")
    expect(supervisor.page.locator("#caveats")).to_contain_text("Regression to the mean")

    table = supervisor.page.locator("#cohort-table")
    rows = table.locator("tbody tr")
    expect(rows.first.locator("th")).to_have_text("All")
    supervisor.snap("cohort-report")

    # Columns by their headings, so that a column added later does not shift the checks.
    headings = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    assert headings[:3] == ["Group", "With baseline", "Paired"], headings
    groups: dict[str, int | None] = {}

    def count(text: str) -> int | None:  # published counts: [c] below the minimum group size, else a multiple of 5 from 10
        if text == "[c]":
            return None
        assert int(text) >= 10 and int(text) % 5 == 0, text
        return int(text)

    for i in range(rows.count()):
        row = rows.nth(i)
        group = row.locator("th").inner_text().strip()
        with_baseline, paired = (count(row.locator("td").nth(headings.index(h) - 1).inner_text()) for h in ("With baseline", "Paired"))
        groups[group] = paired
        if paired is not None:
            # Each count carries its own small adjustment (±3, then rounded to 5): they agree to within one step.
            assert with_baseline is not None and paired <= with_baseline + 5, f"{group}: {paired} paired, {with_baseline} with a baseline"
        if paired is None:
            expect(row).to_have_class(re.compile(r"\bsuppressed\b"))
            expect(row).to_contain_text(TOO_FEW)
        else:
            expect(row).not_to_have_class(re.compile(r"\bsuppressed\b"))
            expect(row).not_to_contain_text(TOO_FEW)
            expect(row.locator("td")).to_have_count(len(headings) - 1)  # every figure shown
    assert "No pathway" in groups, f"the new referral has no pathway, so that group should be listed: {groups}"
    assert groups["All"] is not None, groups

    # ---- A minimum group size of 0 is refused ---------------------------------------------------------------
    supervisor.page.fill("#minimumN", "0")
    response = submit(supervisor.page, 'button:has-text("Show report")', "/outcomes/cohorts", method="GET")
    assert response.status == 422, f"GET the cohort report with minimumN=0: expected 422, got {response.status}"
    summary = supervisor.page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("minimum group size")
    expect(summary.locator('a[href="#minimumN"]')).to_have_count(1)
    expect(supervisor.page.locator("#cohort-table")).to_have_count(0)
    expect(supervisor.page.locator("#minimumN")).to_have_value("0")
    supervisor.snap("cohort-minimum-refused")
