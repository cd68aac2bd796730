"""Browser test of the administrator's numbered lists (issue #17: "every list is paged").

The administrator adds 55 users, searches the users list for them with a role, and walks to page 2 and
back by the "Next" and "Previous" links: the search and the role stay chosen, the count is right and the
rows of page 2 are the ones after page 1. Then, as an information governance lead would, they ask the
audit trail what one link worker read, walk it to page 2 and back with the filter kept, and narrow it
to one day. A malformed page number is a form error; one past the end shows the last page.

Every page is checked with axe-core (via the screenshots) and reflows at 320 px.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from conftest import ACCESSIBILITY, ADMIN, LINK_WORKER, SUPERVISOR, Screens, User, signed_in_people
from playwright.sync_api import Browser, Page, expect
from test_reflow import _check

RUN = uuid.uuid4().hex[:8]
NEW_PASSWORD = "lantern harbour tulip"


@pytest.fixture(scope="module")
def paging_shot(artifacts: Path) -> Screens:
    return Screens.for_file(artifacts, "paging")


@pytest.fixture(scope="module")
def people(browser: Browser, server: str, paging_shot: Screens):
    yield from signed_in_people(browser, server, paging_shot)


def query(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def follow(page: Page, name: str) -> None:
    """Clicks the pager's link with this accessible name ("Next page of users") and waits for the page."""
    link = page.get_by_role("navigation", name=re.compile(r"^Pages of ")).get_by_role("link", name=name, exact=True)
    expect(link).to_have_count(1)
    link.click()
    page.wait_for_load_state()


def reflows(page: Page) -> None:
    problems: list[str] = []
    _check(page, page.url, problems)
    page.set_viewport_size({"width": 1280, "height": 900})
    assert not problems, "\n".join(problems)


def test_users_and_audit_trail_page_with_their_filters(people):
    admin: User = people(ADMIN, "admin", "/admin/users")
    page = admin.page
    csrf = page.locator('form[action="/admin/users"][method="post"] input[name="_csrf"]').get_attribute("value")
    for n in range(55):
        response = page.request.post("/admin/users", form={
            "_csrf": csrf, "displayName": f"Paging Tester {RUN} {n:02d}", "email": f"paging.{n:02d}.{RUN}@demo.linkwell.test",
            "role": "referrer", "organisationId": "", "password": NEW_PASSWORD}, max_redirects=0)
        assert response.status == 303, f"adding user {n}: {response.status} {response.text()[:300]}"

    # ---- Users: search by name and role, page 2 and back, the filter kept ----------------------------
    admin.goto("/admin/users")
    page.fill("#filter-search", f"paging tester {RUN}")
    page.select_option("#filter-role", "referrer")
    page.get_by_role("button", name="Search users").click()
    page.wait_for_load_state()
    expect(page.locator("#list-count")).to_have_text("Users 1 to 50 of 55")
    rows = page.locator("#users tbody tr")
    expect(rows).to_have_count(50)
    expect(rows.first).to_contain_text(f"Paging Tester {RUN} 00")
    expect(rows.last).to_contain_text(f"Paging Tester {RUN} 49")
    expect(page.locator('nav[aria-label="Pages of users"] [aria-current="page"]')).to_contain_text("1")
    admin.snap("users-page-1")
    reflows(page)

    follow(page, "Next page of users")
    assert query(page).get("page") == ["2"], page.url
    assert query(page).get("role") == ["referrer"] and query(page).get("search") == [f"paging tester {RUN}"], page.url
    expect(page.locator("#list-count")).to_have_text("Users 51 to 55 of 55")
    expect(rows).to_have_count(5)
    expect(rows.first).to_contain_text(f"Paging Tester {RUN} 50")
    expect(page.locator("#filter-search")).to_have_value(f"paging tester {RUN}")
    expect(page.locator("#filter-role")).to_have_value("referrer")
    expect(page.get_by_role("link", name="Next page of users")).to_have_count(0)
    admin.snap("users-page-2")
    reflows(page)

    follow(page, "Previous page of users")
    assert "page" not in query(page) and query(page).get("role") == ["referrer"], page.url
    expect(page.locator("#list-count")).to_have_text("Users 1 to 50 of 55")

    # A page past the end shows the last; a malformed one is a form error, not a server error.
    admin.goto(f"/admin/users?search=paging+tester+{RUN}&page=99")
    expect(page.locator("#list-count")).to_have_text("Users 51 to 55 of 55")
    admin.goto("/admin/users?page=two", status=422)

    # ---- Audit trail: what one link worker read, page 2 and back, then one day ------------------------
    admin.goto("/admin/audit")
    page.fill("#user", LINK_WORKER)
    page.fill("#action", "read")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state()
    count = page.locator("#list-count").inner_text()
    match = re.fullmatch(r"Events 1 to 50 of (\d+)", count)
    assert match and int(match.group(1)) > 50, count
    total = int(match.group(1))
    audit_rows = page.locator("tbody tr")
    expect(audit_rows).to_have_count(50)
    for text in audit_rows.all_inner_texts():
        cells = text.split("\t")
        assert cells[1] == "Sam Patel" and cells[2] == "read", text
    # Rows by the event's own id: two reads of one case in one minute read alike, but are two events.
    events = lambda: [row.get_attribute("data-event") for row in audit_rows.all()]
    first_page = events()
    admin.snap("audit-filtered-page-1")
    reflows(page)

    follow(page, "Next page of events")
    assert query(page).get("user") == [LINK_WORKER] and query(page).get("action") == ["read"] and query(page).get("page") == ["2"], page.url
    expect(page.locator("#list-count")).to_have_text(f"Events 51 to {min(100, total)} of {total}")
    second_page = events()
    assert len(set(first_page)) == 50 and second_page and not set(second_page) & set(first_page), "page 2 repeats rows of page 1"
    expect(page.locator("#user")).to_have_value(LINK_WORKER)
    admin.snap("audit-filtered-page-2")
    reflows(page)

    follow(page, "Previous page of events")
    assert "page" not in query(page) and query(page).get("user") == [LINK_WORKER], page.url
    assert events() == first_page

    # A date range around them keeps them all; one in the future has none.
    admin.goto(f"/admin/audit?user={LINK_WORKER}&action=read&from-day=1&from-month=1&from-year=2000&to-day=31&to-month=12&to-year=2099")
    expect(page.locator("#list-count")).to_have_text(f"Events 1 to 50 of {total}")
    admin.goto(f"/admin/audit?user={LINK_WORKER}&from-day=1&from-month=1&from-year=2099")
    expect(page.locator("#list-count")).to_have_text("No events")
    admin.goto("/admin/audit?from-day=31&from-month=2&from-year=2026", status=422)
    expect(page.locator(".error-summary")).to_contain_text("From must be a real date")
    admin.snap("audit-date-error")
    ACCESSIBILITY.audit(page)


def test_organisations_page_with_search_and_kind(people):
    """The organisations register moved from a "More" link to numbered pages: searched by name and kind, walked
    to page 2 and back with the search kept; a page past the end is the last page, a malformed one a form error."""
    admin: User = people(ADMIN, "admin", "/admin/users")
    page = admin.page
    admin.goto("/admin/organisations")
    csrf = page.locator('form[action="/admin/organisations"][method="post"] input[name="_csrf"]').get_attribute("value")
    for n in range(53):
        response = page.request.post("/admin/organisations", form={
            "_csrf": csrf, "name": f"Paging Group {RUN} {n:02d}", "kind": "vcse", "odsCode": "", "address": "",
            "postcode": "", "email": "", "phone": ""}, max_redirects=0)
        assert response.status == 303, f"adding organisation {n}: {response.status} {response.text()[:300]}"

    admin.goto("/admin/organisations")
    expect(page.locator("a.more")).to_have_count(0)
    page.fill("#filter-search", f"paging group {RUN}")
    page.select_option("#filter-kind", "vcse")
    page.get_by_role("button", name="Search organisations").click()
    page.wait_for_load_state()
    expect(page.locator("#list-count")).to_have_text("Organisations 1 to 50 of 53")
    rows = page.locator("#organisations tbody tr")
    expect(rows).to_have_count(50)
    expect(rows.first).to_contain_text(f"Paging Group {RUN} 00")
    expect(rows.last).to_contain_text(f"Paging Group {RUN} 49")
    admin.snap("organisations-page-1")
    reflows(page)

    follow(page, "Next page of organisations")
    assert query(page).get("page") == ["2"], page.url
    assert query(page).get("kind") == ["vcse"] and query(page).get("search") == [f"paging group {RUN}"], page.url
    expect(page.locator("#list-count")).to_have_text("Organisations 51 to 53 of 53")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text(f"Paging Group {RUN} 50")
    expect(page.locator("#filter-search")).to_have_value(f"paging group {RUN}")
    expect(page.locator("#filter-kind")).to_have_value("vcse")
    admin.snap("organisations-page-2")
    reflows(page)

    follow(page, "Previous page of organisations")
    assert "page" not in query(page) and query(page).get("kind") == ["vcse"], page.url
    expect(page.locator("#list-count")).to_have_text("Organisations 1 to 50 of 53")

    # Another kind finds none of them; past the end is the last page; a malformed page or kind is a form error.
    admin.goto(f"/admin/organisations?search=paging+group+{RUN}&kind=gp_practice")
    expect(page.locator("#list-count")).to_have_text("No organisations")
    admin.goto(f"/admin/organisations?search=paging+group+{RUN}&page=99")
    expect(page.locator("#list-count")).to_have_text("Organisations 51 to 53 of 53")
    admin.goto("/admin/organisations?page=0", status=422)
    admin.goto("/admin/organisations?kind=wizard", status=422)
    ACCESSIBILITY.audit(page)


def test_plan_reviews_due_counted_on_the_caseload_and_listed_in_full(people):
    """The supervisor's caseload shows the earliest plan reviews due and how many there are in all; the whole list
    is its own numbered page (issue #19: the team view listed up to 200), which says so when none are due."""
    supervisor: User = people(SUPERVISOR, "supervisor", "/referrals")
    page = supervisor.page
    supervisor.goto("/referrals")
    total = 0
    if page.locator("#reviews-title").count():
        summary = page.locator("#reviews-count").inner_text()
        total = int(re.match(r"(\d+) due", summary).group(1))
        expect(page.locator("#reviews li")).to_have_count(min(total, 10))
    see_all = page.get_by_role("link", name="See all the plan reviews due")
    expect(see_all).to_have_count(1 if total > 10 else 0)
    if total > 10:
        see_all.click()
        page.wait_for_load_state()
    else:
        supervisor.goto("/referrals?list=reviews")
    assert query(page)["list"] == ["reviews"]
    expect(page.locator("#reviews-title")).to_have_text("Plan reviews due")
    expect(page.locator("#reviews li")).to_have_count(min(total, 50))
    expect(page.locator("#reviews-total")).to_have_text("No plan reviews due" if total == 0 else re.compile(r"plan reviews? due", re.I))
    expect(page.locator("#reviews-count")).to_have_count(0)
    supervisor.snap("plan-reviews-due")
    reflows(page)
