"""Languages: a person chooses Welsh on the public pages and refers themself, reads their own record and
fills in a wellbeing measure in Welsh; the right-to-left test language lays the public pages out right to
left without sideways scrolling at 320 px. Every page visited is checked with axe (`test_zz_axe.py`).

The server is started with `--test-right-to-left` (conftest sets `LINKWELL_TEST_RIGHT_TO_LEFT`), which also
offers a test-only language: the English text laid out right to left. No real right-to-left translation
ships, because nobody has checked one.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from conftest import ACCESSIBILITY, LINK_WORKER, PASSWORD, Screens, _path
from playwright.sync_api import Browser, Page, expect

RUN = uuid.uuid4().hex[:6]
PERSON = "person@demo.linkwell.test"


@pytest.fixture(scope="module")
def language_shot(artifacts: Path) -> Screens:
    return Screens.for_file(artifacts, "languages")


def _new_page(browser: Browser, server: str, width: int = 1280) -> Page:
    context = browser.new_context(base_url=server, viewport={"width": width, "height": 900})
    context.set_default_timeout(30_000)
    return context.new_page()


def _no_sideways_scroll(page: Page) -> None:
    widths = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], f"{page.url} scrolls sideways: {widths[0]} px wide in a {widths[1]} px viewport"


def test_welsh_self_referral_own_record_and_measure(browser: Browser, server: str, language_shot: Screens) -> None:
    page = _new_page(browser, server)
    page.goto("/self-referral")
    expect(page.locator("html")).to_have_attribute("lang", "en-GB")
    page.get_by_role("link", name="Cymraeg").click()
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    expect(page.get_by_role("heading", level=1)).to_have_text("Atgyfeirio eich hun at bresgripsiynu cymdeithasol")
    expect(page.get_by_role("link", name="English")).to_be_visible()
    language_shot(page, "self-referral-cy")

    # Sent empty: the problems are in Welsh, in the title, the summary and beside the fields.
    page.get_by_role("button", name="Anfon").click()
    page.wait_for_load_state()
    assert page.title().startswith("Gwall: Atgyfeirio eich hun"), page.title()
    summary = page.locator(".error-summary")
    expect(summary.get_by_role("heading", name="Mae problem")).to_be_visible()
    expect(summary).to_contain_text("Rhowch eich enw cyntaf")
    expect(page.locator('[id="person.givenName"]')).to_have_attribute("aria-invalid", "true")
    language_shot(page, "self-referral-cy-errors")

    family = f"Cymraeg-{RUN}"
    page.get_by_label("Enw cyntaf").fill("Eleri")
    page.get_by_label("Cyfenw").fill(family)
    page.get_by_label("Diwrnod").fill("14")
    page.get_by_label("Mis").fill("5")
    page.get_by_label("Blwyddyn").fill("1961")
    page.get_by_label("Cod post").fill("LS1 4AP")
    page.get_by_label("Ffôn").fill("0113 496 0001")
    page.get_by_label("Eich dewis iaith").fill("Cymraeg")
    page.get_by_label("Unigrwydd neu ynysigrwydd").check()
    page.get_by_label("Yn eich geiriau eich hun, beth yr hoffech ei newid?").fill("Hoffwn gwrdd â phobl sy'n siarad Cymraeg.")
    page.get_by_label("Rwy'n cytuno i gael fy atgyfeirio at y gwasanaeth presgripsiynu cymdeithasol", exact=False).check()
    page.get_by_role("button", name="Anfon").click()
    page.wait_for_load_state()
    assert _path(page.url) == "/self-referral/sent", page.url
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    expect(page.get_by_role("heading", level=1)).to_have_text("Diolch — mae eich atgyfeiriad wedi'i anfon")
    expect(page.locator("#reference")).to_have_text(re.compile(r"^[0-9A-F-]{8}$"))
    language_shot(page, "self-referral-sent-cy")
    page.context.close()

    # The link worker (English) takes the referral on and sends a link to a wellbeing measure.
    worker = _new_page(browser, server)
    worker.goto("/login")
    worker.fill("#email", LINK_WORKER)
    worker.fill("#password", PASSWORD)
    worker.get_by_role("button", name="Sign in").click()
    worker.wait_for_load_state()
    expect(worker.locator("html")).to_have_attribute("lang", "en-GB")
    worker.goto(f"/referrals?q={family}")  # the caseload searched by name
    href = worker.locator("main a", has_text=family).first.get_attribute("href")
    assert href and re.fullmatch(r"/referrals/[^/]+", href), href
    worker.goto(href)
    worker.locator("#accept").click()
    worker.wait_for_load_state()
    worker.select_option("#mode", "phone")
    worker.fill("#durationMinutes", "20")
    worker.locator("#record-contact").click()
    worker.wait_for_load_state()
    expect(worker.locator("#referral-status")).to_have_text("Engaged")
    worker.select_option("#invite-instrument", "ons4")
    worker.select_option("#invite-timepoint", "baseline")
    worker.locator("#send-link").click()
    worker.wait_for_load_state()
    link = worker.locator("#measure-link").inner_text().strip()
    assert "/measure/" in link, link
    worker.context.close()

    # The person opens the link with Welsh chosen: Welsh around the questions, the validated English wording
    # inside, marked as English, with a note saying why.
    person = _new_page(browser, server)
    person.goto("/login?lang=cy")  # any public page remembers the choice
    person.goto(link[link.index("/measure/"):])
    expect(person.locator("html")).to_have_attribute("lang", "cy")
    expect(person.locator("#translation-note")).to_contain_text("nad oes cyfieithiad swyddogol i'r Gymraeg wedi'i gyhoeddi")
    expect(person.get_by_text("Mae eich gweithiwr cyswllt wedi gofyn i chi ateb y cwestiynau hyn")).to_be_visible()
    question = person.locator('[id="answers.life_satisfaction"]')
    expect(question).to_contain_text("Overall, how satisfied are you with your life nowadays?")
    assert question.evaluate("el => el.closest('[lang]').getAttribute('lang')") == "en"
    language_shot(person, "measure-cy")
    for item, value in (("life_satisfaction", 6), ("worthwhile", 7), ("happiness", 5), ("anxiety", 3)):
        person.check(f"#q-{item}-{value}")
    person.get_by_role("button", name="Anfon fy atebion").click()
    person.wait_for_load_state()
    expect(person.get_by_role("heading", level=1)).to_have_text("Diolch")
    language_shot(person, "measure-sent-cy")

    # The demo person signs in on the Welsh sign-in page and reads their own record in Welsh.
    person.goto("/login")
    expect(person.get_by_role("heading", level=1)).to_have_text("Mewngofnodi")
    person.get_by_label("Cyfeiriad e-bost").fill(PERSON)
    person.get_by_label("Cyfrinair").fill(PASSWORD)
    language_shot(person, "login-cy")
    person.get_by_role("button", name="Mewngofnodi").click()
    person.wait_for_load_state()
    assert _path(person.url) == "/me", person.url
    expect(person.locator("html")).to_have_attribute("lang", "cy")
    expect(person.get_by_role("heading", level=1)).to_have_text("Fy nghofnod")
    expect(person.get_by_role("heading", name="Pwy sydd wedi edrych ar fy nghofnod")).to_be_visible()
    expect(person.get_by_role("heading", name="Beth rydych chi wedi cytuno iddo").first).to_be_visible()
    expect(person.get_by_role("navigation", name="Prif ddewislen").get_by_role("link", name="Fy nghofnod")).to_be_visible()
    expect(person.get_by_role("button", name="Allgofnodi")).to_be_visible()
    language_shot(person, "me-cy")
    person.context.close()


def test_welsh_public_directory(browser: Browser, server: str, language_shot: Screens) -> None:
    """The public directory in Welsh: the search form, the results' summary and a service's page."""
    page = _new_page(browser, server)
    page.goto("/find-support")
    expect(page.get_by_role("heading", level=1)).to_have_text("Find local groups and services")
    page.get_by_role("link", name="Cymraeg").click()
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dod o hyd i grwpiau a gwasanaethau lleol")
    assert page.title().startswith("Dod o hyd i grwpiau a gwasanaethau lleol"), page.title()
    expect(page.get_by_role("search", name="Dod o hyd i grwpiau a gwasanaethau")).to_be_visible()
    expect(page.locator("#need option").first).to_have_text("Unrhyw beth")
    page.get_by_label("Gyda beth hoffech chi gael help? (dewisol)").select_option(label="Unigrwydd neu ynysigrwydd")
    page.get_by_role("button", name="Chwilio").click()
    page.wait_for_load_state()
    assert "lang=" not in page.url or "lang=cy" in page.url, page.url
    expect(page.locator("#results-title")).to_have_text(re.compile(r"^(Wedi dod o hyd i .+|Doedden ni ddim yn gallu dod o hyd i ddim byd\..*)$"))
    expect(page.get_by_role("link", name="Gofynnwch i weithiwr cyswllt")).to_be_visible()
    language_shot(page, "find-support-cy")
    results = page.locator("ol.results a.result-name")
    assert results.count() > 0, "the demo directory lists a group for loneliness"
    results.first.click()
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", "cy")
    expect(page.get_by_role("link", name="Yn ôl i'r chwiliad")).to_be_visible()
    if page.locator("#ask-to-be-referred").count():
        expect(page.locator("#ask-to-be-referred")).to_have_text("Gofyn am gael eich atgyfeirio")
        expect(page.locator("#ask-title")).to_have_text("Hoffech chi gael help i ymuno?")
    # No English chrome is left on the page (the service's own details are the directory's words).
    chrome = page.locator("main > p:first-child, main dt, main h2").all_inner_texts()
    for english in ("Back to the search", "Who it is for", "Where", "When", "How to join", "Would you like help to join?"):
        assert english not in chrome, f"{english!r} still English: {chrome}"
    language_shot(page, "find-support-service-cy")

    # A postcode that is not one is refused in Welsh.
    page.goto("/find-support?postcode=12345&lang=cy")
    expect(page.locator(".error-summary")).to_contain_text("Dydyn ni ddim yn gwybod ble mae'r cod post hwnnw")
    page.context.close()


@pytest.mark.parametrize("path", ["/self-referral", "/login", "/me", "/find-support"])
def test_right_to_left_layout(browser: Browser, server: str, language_shot: Screens, path: str) -> None:
    page = _new_page(browser, server, width=320)
    if path == "/me":
        page.goto("/login")
        page.fill("#email", PERSON)
        page.fill("#password", PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
    page.goto(f"{path}?lang=en-x-rtl")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "en-x-rtl")
    _no_sideways_scroll(page)
    # Mirrored, not merely marked: the header starts at the right, and text starts at the right edge.
    layout = page.evaluate("""() => {
        const brand = document.querySelector('.brand').getBoundingClientRect();
        const h1 = document.querySelector('main h1');
        return {width: document.documentElement.clientWidth, brandLeft: brand.left, brandRight: brand.right,
                h1Align: getComputedStyle(h1).textAlign, h1Direction: getComputedStyle(h1).direction};
    }""")
    assert layout["h1Direction"] == "rtl", layout
    assert layout["width"] - layout["brandRight"] < layout["brandLeft"], f"the brand should sit at the right: {layout}"
    if path == "/self-referral":
        border = page.evaluate("() => { const s = getComputedStyle(document.querySelector('#urgent-help')); return [s.borderRightWidth, s.borderLeftWidth]; }")
        assert border == ["8px", "0px"], f"the notice's rule is on the start (right) side: {border}"
        send = page.get_by_role("button", name="Send")
        send.scroll_into_view_if_needed()
        box = send.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 320, box
    language_shot(page, f"rtl{path.replace('/', '-')}")
    # The shared audit checks a page once by path and title, which the English page shares: check this one here.
    violations = [(v["id"], v["impact"]) for v in ACCESSIBILITY.axe.run(page).response["violations"]]
    assert violations == [], f"{path} right to left: {violations}"
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        _no_sideways_scroll(page)
    page.context.close()
