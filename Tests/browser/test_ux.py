"""Issue #17 in Chromium: the NHS three-field date input, keyboard-only completion of the staff referral form
and the self-referral form (Tab, Space, Enter and typing; no mouse), the link worker's home page (urgent first,
longest-waiting first, search by NHS number and date of birth, measures due as a count), the sectioned case
page (sub-navigation, each action back at its section with a confirmation banner).

Every page visited is snapped, so axe-core checks it (test_zz_axe.py reports).
"""

from __future__ import annotations

import re
import uuid
from urllib.parse import parse_qs, urlparse

from conftest import GP, LINK_WORKER, SUPERVISOR, _path, fill_date, fill_referral
from playwright.sync_api import Page, expect
from test_casework import submit

RUN = uuid.uuid4().hex[:6]
NHS_NUMBER = "943 476 5919"  # a valid check digit (NHS Digital's published example)


# --------------------------------------------------------------------------------------------------
# Keyboard helpers: only key presses reach the page.
# --------------------------------------------------------------------------------------------------

def _focused_is(page: Page, css: str) -> bool:
    return page.evaluate("css => document.activeElement && document.activeElement.matches(css)", css)


def tab_to(page: Page, css: str, limit: int = 400) -> int:
    """Presses Tab until the element matching `css` has focus; returns how many presses it took."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if _focused_is(page, css):
            return presses
    raise AssertionError(f"Tab never reached {css}")


def type_into(page: Page, css: str, text: str) -> None:
    tab_to(page, css)
    page.keyboard.type(text)


def choose(page: Page, css: str, value: str, limit: int = 60) -> None:
    """Tabs to a select and moves through its options with the arrow keys until `value` is chosen."""
    tab_to(page, css)
    for _ in range(limit):
        if page.evaluate("css => document.querySelector(css).value", css) == value:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"{css}: the keyboard never reached {value!r}")


def tick(page: Page, css: str) -> None:
    tab_to(page, css)
    page.keyboard.press("Space")
    assert page.evaluate("css => document.querySelector(css).checked", css), f"{css} not ticked by Space"


def _id(name: str) -> str:
    return f'[id="{name}"]'


# --------------------------------------------------------------------------------------------------
# Date input
# --------------------------------------------------------------------------------------------------

def test_date_of_birth_is_three_fields_and_errors_name_the_part(users):
    gp = users(GP, "ux-date-gp")
    gp.sign_in("/referrals")
    gp.goto("/referrals/new")
    group = gp.page.get_by_role("group", name="Date of birth")
    expect(group).to_have_count(1)
    for part in ("Day", "Month", "Year"):
        expect(group.get_by_label(part, exact=True)).to_have_count(1)
    expect(gp.page.locator('input[type="date"][name^="person."]')).to_have_count(0)

    fill_referral(gp.page, "Datey", f"Parts-{RUN}", consent=True)
    gp.page.fill(_id("person.dateOfBirth-month"), "")
    posted = submit(gp.page, 'button:has-text("Send referral")', "/referrals")
    assert posted.status == 422, posted.status
    summary = gp.page.locator(".error-summary")
    expect(summary).to_contain_text("Date of birth must include a month")
    message = gp.page.locator(_id("person.dateOfBirth-error"))
    expect(message).to_contain_text("Date of birth must include a month")
    expect(gp.page.locator(_id("person.dateOfBirth-month"))).to_have_attribute("aria-invalid", "true")
    expect(gp.page.locator(_id("person.dateOfBirth-day"))).not_to_have_attribute("aria-invalid", "true")
    expect(gp.page.locator(_id("person.dateOfBirth-day"))).to_have_value("27")
    described = (gp.page.locator(_id("person.dateOfBirth")).get_attribute("aria-describedby") or "").split()
    assert "person.dateOfBirth-error" in described and "person.dateOfBirth-hint" in described, described
    gp.snap("date-month-missing")

    gp.page.fill(_id("person.dateOfBirth-month"), "3")
    posted = submit(gp.page, 'button:has-text("Send referral")', "/referrals")
    assert posted.status in (302, 303), posted.status
    expect(gp.page.locator("#referral-status")).to_have_text("Received")


# --------------------------------------------------------------------------------------------------
# Keyboard-only completion
# --------------------------------------------------------------------------------------------------

def test_staff_referral_form_by_keyboard_only(users):
    gp = users(GP, "ux-keyboard-gp")
    gp.sign_in("/referrals")
    gp.goto("/referrals/new")
    page = gp.page
    type_into(page, _id("person.givenName"), "Keyboard")
    type_into(page, _id("person.familyName"), f"Only-{RUN}")
    type_into(page, _id("person.dateOfBirth-day"), "27")
    type_into(page, _id("person.dateOfBirth-month"), "3")
    type_into(page, _id("person.dateOfBirth-year"), "1956")
    type_into(page, _id("person.postcode"), "LS1 4AP")
    type_into(page, _id("person.phone"), "0113 496 0000")
    choose(page, "#sourceType", "gp")
    tick(page, "#need-loneliness")
    type_into(page, "#personView", "To meet people nearby.")
    tick(page, _id("consent.given"))
    type_into(page, _id("consent.givenBy"), f"Keyboard Only-{RUN}")
    choose(page, _id("consent.method"), "verbal")
    gp.snap("keyboard-filled")
    tab_to(page, 'form[action="/referrals"] button[type="submit"]')
    with page.expect_response(lambda r: _path(r.url) == "/referrals" and r.request.method == "POST") as posted:
        page.keyboard.press("Enter")
    assert posted.value.status in (302, 303), posted.value.status
    # Wait for the page the redirect leads to: the load state of the form's page may answer first.
    page.wait_for_url(lambda url: re.fullmatch(r"/referrals/[^/]+", _path(url)) is not None)
    expect(page.locator("#referral-status")).to_have_text("Received")
    gp.snap("keyboard-sent")


def test_self_referral_form_by_keyboard_only(browser, server):
    context = browser.new_context(base_url=server, viewport={"width": 375, "height": 800})
    page = context.new_page()
    try:
        page.goto("/self-referral")
        type_into(page, _id("person.givenName"), "Selfie")
        type_into(page, _id("person.familyName"), f"Keys-{RUN}")
        type_into(page, _id("person.dateOfBirth-day"), "2")
        type_into(page, _id("person.dateOfBirth-month"), "11")
        type_into(page, _id("person.dateOfBirth-year"), "1971")
        type_into(page, _id("person.postcode"), "LS1 4AP")
        type_into(page, _id("person.phone"), "0113 496 0001")
        tick(page, "#need-loneliness")
        tick(page, _id("consent.given"))
        tab_to(page, "#send-self-referral")
        with page.expect_response(lambda r: _path(r.url) == "/self-referral" and r.request.method == "POST") as posted:
            page.keyboard.press("Enter")
        assert posted.value.status in (302, 303), posted.value.status
        page.wait_for_url("**/self-referral/sent")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
    finally:
        context.close()


# --------------------------------------------------------------------------------------------------
# The link worker's home page and the case page's sections
# --------------------------------------------------------------------------------------------------

def test_home_page_search_and_case_sections(users):
    gp = users(GP, "ux-home-gp")
    gp.sign_in("/referrals")
    gp.goto("/referrals/new")
    family = f"Findable-{RUN}"
    fill_referral(gp.page, "Nora", family, consent=True, nhs_number=NHS_NUMBER)
    fill_date(gp.page, "person.dateOfBirth", 9, 7, 1944)
    gp.page.select_option("#urgency", "soon")
    submit(gp.page, 'button:has-text("Send referral")', "/referrals")
    referral_id = _path(gp.page.url).rsplit("/", 1)[1]

    lw = users(LINK_WORKER, "ux-home-lw")
    lw.sign_in("/referrals")
    page = lw.page
    # Urgent referrals first, then the waiting list longest-waiting first; measures due are a count and a link.
    headings = page.locator("main h2").all_inner_texts()
    urgent = next(i for i, h in enumerate(headings) if h.startswith("Urgent"))
    waiting = next(i for i, h in enumerate(headings) if h.startswith("Waiting"))
    assert urgent < waiting, headings
    expect(page.locator('section[aria-labelledby="group-Urgent"]').get_by_role("link", name=f"Nora {family}")).to_have_count(1)
    days = [int(m.group(1)) if (m := re.search(r"Waiting (\d+) day", t)) else 0
            for t in page.locator('section[aria-labelledby="group-Waiting"] tbody tr td:nth-child(4)').all_inner_texts()]
    assert days == sorted(days, reverse=True), f"the waiting list is not longest-waiting first: {days}"
    if page.locator("#due-count").count():
        expect(page.locator('section[aria-labelledby="due-title"] table')).to_have_count(0)
        page.locator("#due-count a").click()
        page.wait_for_load_state()
        expect(page.locator('section[aria-labelledby="due-title"] table')).to_have_count(1)
        lw.snap("measures-due")
    lw.goto("/referrals")
    lw.snap("home")

    # Search by NHS number, then by date of birth written as people write it.
    for query in (NHS_NUMBER.replace(" ", ""), "9/7/1944"):
        lw.goto("/referrals")
        page.fill("#caseload-q", query)
        page.keyboard.press("Enter")
        # The results' own page, not the caseload the search was typed on (which shows the person too): CI's
        # accessibility check once ran on the old page as it navigated away.
        page.wait_for_url(lambda url: parse_qs(urlparse(url).query).get("q") == [query])
        expect(page.get_by_role("link", name=f"Nora {family}").first).to_be_visible()
    lw.snap("search-by-date-of-birth")
    # One group alone is paged (`list=`), in the same order.
    lw.goto("/referrals?list=urgent")
    expect(page.get_by_role("link", name=f"Nora {family}")).to_have_count(1)

    # The case page: sub-navigation, the age beside the date of birth, readable urgency.
    lw.goto(f"/referrals/{referral_id}")
    nav = page.get_by_role("navigation", name="Sections of this case")
    for name in ("Overview", "Contacts", "Plan", "Referrals out", "Safeguarding", "History"):
        expect(nav.get_by_role("link", name=name, exact=True)).to_have_count(1)
    expect(page.locator("#s-overview")).to_contain_text("9 July 1944 (age ")
    expect(page.locator('section[aria-labelledby="referral-title"]')).to_contain_text("Soon (within a week)")
    expect(page.locator("#consent")).not_to_contain_text("share_with")
    # Each action comes back at its own section, with a confirmation banner.
    posted = submit(page, "#accept", f"/referrals/{referral_id}/accept")
    assert posted.status in (302, 303)
    assert page.url.endswith("#s-overview") and "done=accept" in page.url, page.url
    expect(page.locator("#s-overview .notification-banner")).to_contain_text("Referral accepted")
    page.select_option("#mode", "phone")
    page.fill("#durationMinutes", "15")
    submit(page, "#record-contact", f"/referrals/{referral_id}/contacts")
    assert page.url.endswith("#s-contacts"), page.url
    expect(page.locator("#s-contacts .notification-banner")).to_contain_text("Contact recorded")
    expect(page.locator(".notification-banner")).to_have_count(1)
    lw.snap("contact-recorded-banner")


# --------------------------------------------------------------------------------------------------
# The GP's home: their referrals by patient, unread messages back marked and counted
# --------------------------------------------------------------------------------------------------

def _test_nhs_number() -> str:
    """A fresh NHS number in the 999 range (not issued to anyone) with a valid modulus-11 check digit."""
    import random
    while True:
        digits = "999" + "".join(random.choice("0123456789") for _ in range(6))
        check = 11 - sum(int(d) * (10 - i) for i, d in enumerate(digits)) % 11
        check = 0 if check == 11 else check
        if check != 10:
            return f"{digits[:3]} {digits[3:6]} {digits[6:]}{check}"


def _unread(page: Page) -> int:
    text = page.locator("#unread-count").inner_text()
    match = re.search(r"(\d+) unread message", text)
    return int(match.group(1)) if match else 0


def _accept(lw, referral_id: str) -> None:
    lw.goto(f"/referrals/{referral_id}")
    submit(lw.page, "#accept", f"/referrals/{referral_id}/accept")
    expect(lw.page.locator("#referral-status")).to_have_text("Accepted")


def test_gp_home_by_patient_with_unread_messages(users):
    gp = users(GP, "ux-gp-patients")
    gp.sign_in("/referrals")
    family = f"Grouped-{RUN}"
    nhs = _test_nhs_number()
    made = []
    for _ in range(2):  # two referrals for one patient: one NHS number
        gp.goto("/referrals/new")
        fill_referral(gp.page, "Una", family, consent=True, nhs_number=nhs)
        submit(gp.page, 'button:has-text("Send referral")', "/referrals")
        made.append(_path(gp.page.url).rsplit("/", 1)[1])

    gp.goto("/referrals")
    person = gp.page.locator("#people > li.person").filter(has=gp.page.get_by_role("heading", name=re.compile(f"Una {family}")))
    expect(person).to_have_count(1)
    expect(gp.page.locator("#people > li.person").first).to_contain_text(f"Una {family}")  # newest first
    expect(person.locator(".person-referrals a")).to_have_count(2)
    for referral_id in made:
        expect(person.locator(f'a[href="/referrals/{referral_id}"]')).to_have_count(1)
    expect(person.locator(".tag-new")).to_have_count(0)
    before = _unread(gp.page)

    # The link worker accepts the first: the GP's home marks the news about Una, and counts it.
    lw = users(LINK_WORKER, "ux-gp-patients-lw")
    lw.sign_in("/referrals")
    _accept(lw, made[0])
    gp.goto("/referrals")
    expect(person.locator("h3 .tag-new")).to_have_text("1 unread message")
    expect(person.locator(".latest-news .tag-new")).to_have_text("New")
    expect(person.locator(".latest-news")).to_contain_text("Referral accepted")
    assert _unread(gp.page) == before + 1
    gp.snap("home-unread")

    # Opening the referral reads it.
    gp.goto(f"/referrals/{made[0]}")
    gp.goto("/referrals")
    expect(person.locator(".tag-new")).to_have_count(0)
    assert _unread(gp.page) == before

    # The message list marks what is new, then it is read.
    _accept(lw, made[1])
    gp.goto("/referrals")
    assert _unread(gp.page) == before + 1
    gp.page.locator("#unread-count a").click()
    gp.page.wait_for_load_state()
    item = gp.page.locator("ul.messages li").filter(has_text=f"Una {family}").first
    expect(item.locator(".tag-new")).to_have_text("New")
    gp.snap("messages-unread")
    gp.goto("/referrals?list=messages")
    expect(gp.page.locator("ul.messages li").filter(has_text=f"Una {family}").locator(".tag-new")).to_have_count(0)
    gp.goto("/referrals")
    assert _unread(gp.page) <= before
    expect(person.locator(".tag-new")).to_have_count(0)


def _group_count(page: Page, key: str) -> int:
    return int(re.search(r"\((\d+)\)", page.locator(f"#group-{key}").inner_text()).group(1))


def test_supervisor_narrows_the_caseload_to_a_team(users):
    sup = users(SUPERVISOR, "ux-team-filter")
    sup.sign_in("/referrals")
    expect(sup.page.get_by_role("heading", level=1)).to_have_text("Team caseload")
    everyone = {key: _group_count(sup.page, key) for key in ("Waiting", "Active", "Closed")}
    sup.page.select_option("#caseload-team", label="Leeds North")
    sup.page.get_by_role("button", name="Search").click()
    sup.page.wait_for_load_state()
    assert "team=" in sup.page.url
    expect(sup.page.get_by_role("heading", level=1)).to_have_text("Team caseload: Leeds North")
    expect(sup.page.locator("#caseload-team option:checked")).to_have_text("Leeds North")
    narrowed = {key: _group_count(sup.page, key) for key in ("Waiting", "Active", "Closed")}
    assert all(narrowed[k] <= everyone[k] for k in narrowed), (narrowed, everyone)
    assert sum(narrowed.values()) < sum(everyone.values()), "the team filter narrowed nothing"
    # Each group's own page keeps the team.
    for link in sup.page.locator('section[aria-labelledby^="group-"] h2 a').all():
        assert "team=" in (link.get_attribute("href") or "")
    sup.snap("team-caseload")
    # A team that does not exist is refused with the field named, not a 500.
    response = sup.page.goto("/referrals?team=no-such-team")
    assert response is not None and response.status in (400, 422)
