"""Browser test of the commissioner's side, through headless Chromium on the demo scheme.

A commissioner reads the insight dashboards (every count shown is 0 or a multiple of 5 of at least 10,
suppressed cells show "[c]"), downloads a table as CSV, is told clearly when a date range ends before it
starts, opens the pooled contract with its statements and printable quarterly report, and, as the grants
panel, cannot award more than the fund has left. A provider applies for a grant; the steering group member
sees their read-only summary and no casework; a commissioner asking for a person's record is refused.

Screenshots: `commissioning-NN-name.png`.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from conftest import PROVIDER, Screens, _path, signed_in_people
from playwright.sync_api import Browser, expect

COMMISSIONER = "commissioner@demo.linkwell.test"
STEERING = "steering@demo.linkwell.test"
RUN = uuid.uuid4().hex[:8]


@pytest.fixture(scope="module")
def commissioning_shot(artifacts: Path) -> Screens:
    return Screens.for_file(artifacts, "commissioning")


@pytest.fixture(scope="module")
def people(browser: Browser, server: str, commissioning_shot: Screens):
    yield from signed_in_people(browser, server, commissioning_shot)


def test_commissioner_dashboards_are_protected_aggregates(people) -> None:
    fran = people(COMMISSIONER, "commissioner", "/insight")
    page = fran.page
    expect(page.get_by_role("heading", name="Insight", exact=True)).to_be_visible()
    total = page.locator("#total-referrals").inner_text()
    # The demo has 200 referrals; the headline is adjusted by at most 3 and rounded to 5.
    assert int(total) in (195, 200, 205), f"the demo has 200 referrals; the headline said {total}"
    cells = page.locator("section.insight-table tbody td").all_inner_texts()
    numbers = [c for c in cells if re.fullmatch(r"\d+", c)]
    assert numbers, "no counts on the dashboard"
    for value in numbers:
        assert int(value) >= 10 and int(value) % 5 == 0, f"unprotected count {value}"  # zeros are [c] too
    assert "[c]" in cells, "expected some suppressed cells in the demo's small groups"
    expect(page.locator("#table-unmet_need")).to_be_visible()
    expect(page.locator("#table-funnel svg")).to_be_visible()
    fran.snap("dashboard")

    with page.expect_download() as download:
        page.locator("#table-source a.csv-link").click()
    text = Path(download.value.path()).read_text()
    assert text.startswith("Source,Referrals") and re.search(r"Total,(195|200|205)\r?\n", text), text

    page.fill("#from", "2026-09")
    page.fill("#to", "2026-03")
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()
    expect(page.locator(".error-summary")).to_contain_text("before it starts")
    fran.snap("date-range-error")

    # Commissioners never reach a person's record.
    response = page.goto("/referrals")
    assert response is not None and response.status == 403
    expect(page.locator("main")).to_contain_text("Your account does not allow this")


def test_contract_statements_report_and_grant_panel(people) -> None:
    fran = people(COMMISSIONER, "commissioner", "/insight")
    page = fran.page
    fran.goto("/commissioning")
    page.get_by_role("link", name="Demo City social prescribing (pooled)").click()
    page.wait_for_load_state()
    expect(page.locator("#budget")).to_have_text("£240,000.00")
    expect(page.locator("#provider-statement tbody tr").first).to_be_visible()
    fran.snap("contract")
    # Other tests' referrals out may be newly payable; a second run straight after adds nothing.
    page.locator("#payment-run").click()
    page.wait_for_load_state()
    expect(page.locator("main")).to_contain_text("Payment run done")
    page.locator("#payment-run").click()
    page.wait_for_load_state()
    expect(page.locator("main")).to_contain_text("Payment run done (fewer new ledger entries than the minimum group size)")
    # Commissioners see payments by provider and month, units protected; the entry-by-entry ledger is finance's.
    expect(page.locator("#statement-rules")).to_be_visible()
    page.locator("#quarterly-report").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", name=re.compile("quarterly report"))).to_be_visible()
    fran.snap("quarterly-report")

    # A provider applies; the panel cannot award more than is left in the fund.
    chris = people(PROVIDER, "provider", "/provider")
    chris.goto("/grants")
    chris.page.select_option("#contractId", label="Demo City social prescribing (pooled)")
    chris.page.fill("#title", f"Tea and talk {RUN}")
    chris.page.fill("#purpose", "Refreshments after walks")
    chris.page.fill("#amount", "-40")
    chris.page.get_by_role("button", name="Apply").click()
    chris.page.wait_for_load_state()
    expect(chris.page.locator(".error-summary")).to_contain_text("cannot be negative")
    chris.page.fill("#amount", "30000")
    chris.page.get_by_role("button", name="Apply").click()
    chris.page.wait_for_load_state()
    assert re.fullmatch(r"/grants/[^/]+", _path(chris.page.url)), chris.page.url
    grant_path = _path(chris.page.url)
    chris.snap("grant-applied")

    fran.goto(grant_path)
    page.get_by_role("button", name="Record decision").click()
    page.wait_for_load_state()
    expect(page.locator(".error-summary")).to_contain_text("left in Demo City social prescribing (pooled)")
    expect(page.locator("#grant-status")).to_have_text("Awaiting panel")
    page.fill("#amount", "150")
    page.get_by_role("button", name="Record decision").click()
    page.wait_for_load_state()
    expect(page.locator("#grant-status")).to_have_text("Awarded")
    expect(page.locator("#grant-awarded")).to_have_text("£150.00")
    fran.snap("grant-awarded")


def test_steering_group_sees_a_read_only_summary(people) -> None:
    kit = people(STEERING, "steering", "/steering")
    page = kit.page
    expect(page.get_by_role("heading", name="Steering group summary")).to_be_visible()
    expect(page.locator("#feedback")).to_contain_text("What people would change")
    expect(page.locator("#table-satisfaction")).to_be_visible()
    assert page.locator("form[method=post]").count() == 1, "only the sign-out form"
    kit.snap("summary")
    response = page.goto("/referrals")
    assert response is not None and response.status == 403
