"""Browser test of the lists that were still read whole (issue #19).

A supervisor adds 55 supervision notes for the demo link worker and walks the numbered pages: 50 on page 1,
the rest on page 2, the newest first, the link worker chosen kept. They record 51 case meetings for a team and
walk the meetings' own pages (`meetingsPage`) while the waiting list keeps its own. The demo person visits their
page often enough that their access log passes 50 entries, then follows "Older entries" to its end: every
page is newest first and older than the one before, and "Newest entries" leads back. A malformed page number or
cursor is refused (422), never a 500.

Every page is checked with axe-core (via the screenshots) and reflows at 320 px.
"""

from __future__ import annotations

import re
import uuid
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from conftest import LINK_WORKER, SUPERVISOR, Screens, User, signed_in_people
from playwright.sync_api import Browser, Page, expect
from test_reflow import _check

RUN = uuid.uuid4().hex[:8]
PERSON = "person@demo.linkwell.test"


@pytest.fixture(scope="module")
def bounded_shot(artifacts: Path) -> Screens:
    return Screens.for_file(artifacts, "bounded")


@pytest.fixture(scope="module")
def people(browser: Browser, server: str, bounded_shot: Screens):
    yield from signed_in_people(browser, server, bounded_shot)


def reflows(page: Page) -> None:
    problems: list[str] = []
    _check(page, page.url, problems)
    page.set_viewport_size({"width": 1280, "height": 900})
    assert not problems, "\n".join(problems)


def follow(page: Page, pager: str, name: str) -> None:
    """Clicks the link `name` in the pager named `pager` and waits for the page."""
    link = page.get_by_role("navigation", name=pager).get_by_role("link", name=name, exact=True)
    expect(link).to_have_count(1)
    link.click()
    page.wait_for_load_state()


def csrf(page: Page, action: str) -> str:
    return page.locator(f'form[action="{action}"][method="post"] input[name="_csrf"]').first.get_attribute("value")


def mine(items) -> list[str]:
    """The texts this run added, as shown in the list items."""
    return re.findall(rf"Bounded (?:note|meeting) {RUN} \d\d", " ".join(items.all_inner_texts()))


def test_supervision_notes_are_numbered_pages(people):
    supervisor: User = people(SUPERVISOR, "supervisor", "/referrals")
    page = supervisor.page
    supervisor.goto("/supervision")
    worker = page.locator("#linkWorker option").first.get_attribute("value")
    token = csrf(page, "/supervision")
    for n in range(55):
        response = page.request.post("/supervision", form={"_csrf": token, "linkWorkerId": worker, "text": f"Bounded note {RUN} {n:02d}"},
                                     max_redirects=0)
        assert response.status == 303, f"note {n}: {response.status} {response.text()[:300]}"
    supervisor.goto(f"/supervision?linkWorker={worker}")
    notes = page.locator("#notes li")
    expect(notes).to_have_count(50)
    expect(notes.first).to_contain_text(f"Bounded note {RUN} 5")
    first_page = set(mine(notes))
    expect(page.locator("#list-count")).to_contain_text(re.compile(r"^Notes 1 to 50 of \d+$"))
    total = int(re.search(r"of (\d+)", page.locator("#list-count").inner_text()).group(1))
    assert total >= 55
    supervisor.snap("supervision-page-1")
    reflows(page)
    follow(page, "Pages of supervision notes", "Next page of supervision notes")
    query = parse_qs(urlparse(page.url).query)
    assert query.get("page") == ["2"] and query.get("linkWorker") == [worker], page.url
    expect(page.locator("#list-count")).to_have_text(f"Notes 51 to {min(100, total)} of {total}")
    # Page 2 holds the notes after page 1's: together every note once.
    second_page = set(mine(notes))
    assert not first_page & second_page and len(first_page | second_page) == 55
    # The reversed list keeps counting down across pages: the first note of page 2 is number total - 50.
    assert page.locator("#notes").get_attribute("start") == str(total - 50)
    supervisor.snap("supervision-page-2")
    reflows(page)
    # A malformed page is a form error, never a 500.
    supervisor.goto(f"/supervision?linkWorker={worker}&page=abc", status=422)


def test_team_meetings_page_apart_from_the_waiting_list(people):
    supervisor: User = people(SUPERVISOR, "supervisor", "/referrals")
    page = supervisor.page
    supervisor.goto("/teams")
    team = page.locator('a[href^="/teams/"]').first.get_attribute("href")
    supervisor.goto(team)
    token = csrf(page, f"{team}/meetings")
    today = date.today().isoformat()
    for n in range(51):
        response = page.request.post(f"{team}/meetings", form={"_csrf": token, "heldOn": today, "attendees": "Sam, Priya",
                                                              "note": f"Bounded meeting {RUN} {n:02d}"}, max_redirects=0)
        assert response.status == 303, f"meeting {n}: {response.status} {response.text()[:300]}"
    supervisor.goto(team)
    meetings = page.locator("#team-meetings > li")
    expect(meetings).to_have_count(50)
    expect(page.locator("#meetings-count")).to_contain_text(re.compile(r"^Case meetings 1 to 50 of \d+$"))
    first_page = set(mine(meetings))
    supervisor.snap("team-meetings-page-1")
    reflows(page)
    follow(page, "Pages of case meetings", "Next page of case meetings")
    query = parse_qs(urlparse(page.url).query)
    assert query.get("meetingsPage") == ["2"] and "page" not in query, page.url
    expect(page.locator("#meetings-count")).to_contain_text(re.compile(r"^Case meetings 51 to \d+ of \d+$"))
    assert not first_page & set(mine(meetings)), "page 2 holds meetings after page 1's, none again"
    supervisor.snap("team-meetings-page-2")
    reflows(page)
    supervisor.goto(f"{team}?meetingsPage=0", status=422)


def access_times(page: Page) -> list[str]:
    return [row.locator("td").first.inner_text() for row in page.locator("#access-log tbody tr").all()]


def test_person_access_log_is_paged_and_whole(people):
    me: User = people(PERSON, "person", "/me")
    page = me.page
    # Each visit reads (and so logs) every one of the person's referrals: enough visits pass 50 entries.
    for _ in range(55):
        assert page.request.get("/me").status == 200
    me.goto("/me")
    rows = page.locator("#access-log tbody tr")
    expect(rows).to_have_count(50)
    older = page.locator("#access-older")
    expect(older).to_have_count(1)
    expect(page.get_by_role("link", name="Newest entries")).to_have_count(0)
    me.snap("me-access-page-1")
    seen = [access_times(page)]
    pages = 1
    while page.locator("#access-older").count():
        follow(page, "Pages of who has looked at my record", "Older entries")
        pages += 1
        assert page.url.endswith("#access-title") and "cursor=" in page.url
        expect(page.get_by_role("link", name="Newest entries")).to_have_count(1)
        seen.append(access_times(page))
        if pages == 2:
            me.snap("me-access-page-2")
            reflows(page)
        assert pages < 100, "endless paging"
    assert pages >= 2 and sum(len(s) for s in seen) >= 55
    assert all(0 < len(s) <= 50 for s in seen)
    follow(page, "Pages of who has looked at my record", "Newest entries")
    expect(rows).to_have_count(50)
    me.goto("/me?cursor=not-a-cursor", status=422)
