"""Browser test of the community directory, driven through headless Chromium.

A link worker, supporting someone, opens the directory from the case page, searches by need and
distance from a postcode (a bad postcode is refused with a clear message first), sees each result
with why it matched, and refers the person to a service straight from the results. They leave
private feedback on the service. The provider updates their own listing's capacity; the change
appears in the admin's review queue, and the admin verifies it.

Screenshots go to the artifacts folder as `directory-NN-name.png`.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from conftest import ADMIN, GP, LINK_WORKER, PROVIDER, Screens, _path, signed_in_people
from playwright.sync_api import Browser, expect
from test_casework import accept, make_referral, submit

SERVICE_NAME = "Riverside health walks"
RUN = uuid.uuid4().hex[:8]


@pytest.fixture(scope="module")
def directory_shot(artifacts: Path) -> Screens:
    return Screens.for_file(artifacts, "directory")


@pytest.fixture(scope="module")
def people(browser: Browser, server: str, directory_shot: Screens):
    yield from signed_in_people(browser, server, directory_shot)


def test_find_refer_feedback_edit_review(people):
    given, family = "Directory", f"Walker-{RUN}"
    gp = people(GP, "gp", "/referrals")
    referral_id = make_referral(gp, given, family)

    lw = people(LINK_WORKER, "linkworker", "/referrals")
    accept(lw, referral_id, f"{given} {family}")
    lw.page.select_option("#mode", "phone")
    lw.page.fill("#durationMinutes", "20")
    lw.page.locator("#record-contact").click()
    lw.page.wait_for_load_state()
    expect(lw.page.locator("#referral-status")).to_have_text("Engaged")

    # ---- From the case page into the directory ------------------------------------------------------
    lw.page.locator("#find-in-directory").click()
    lw.page.wait_for_load_state()
    assert _path(lw.page.url) == "/directory"
    expect(lw.page.get_by_role("heading", name="Find a community service")).to_be_visible()
    # It starts from the person's postcode and first need (loneliness, from the referral form).
    expect(lw.page.locator("#postcode")).to_have_value("LS1 4AP")
    expect(lw.page.locator("#term option:checked")).to_have_text("Loneliness or isolation")
    expect(lw.page.locator("li.result").first).to_contain_text("Loneliness or isolation")
    lw.snap("directory-for-referral")

    lw.page.fill("#postcode", "LS1 XYZ")
    submit(lw.page, "#directory-search", "/directory", method="GET")
    expect(lw.page.locator(".error-summary")).to_contain_text("is not a UK postcode")
    lw.snap("bad-postcode")

    lw.page.fill("#postcode", "ls1 4ap")
    lw.page.fill("#radius", "5")
    lw.page.select_option("#term", label="Physical activity")
    submit(lw.page, "#directory-search", "/directory", method="GET")
    expect(lw.page.locator(".error-summary")).to_have_count(0)
    result = lw.page.locator("li.result").filter(has=lw.page.get_by_role("link", name=SERVICE_NAME, exact=True))
    expect(result).to_have_count(1)
    why = result.locator(".why")
    expect(why).to_contain_text("Physical activity")
    expect(why).to_have_text(re.compile(r"\d+(\.\d)? km away|\d+ m away"))
    # Only physical-activity services, nearest first: every result gives its distance, in order.
    distances = [float(re.search(r"([\d.]+) (k?m) away", t).group(1)) / (1 if "km" in t else 1000)
                 for t in lw.page.locator("li.result .why").all_inner_texts()]
    assert distances == sorted(distances) and all(d <= 5 for d in distances), distances
    lw.snap("results")

    # The service page, opened from the results: "Back to results" returns to this search; "Refer to this
    # service" opens the case's referral-out form with the service chosen (no dropdown hunt).
    results_url = lw.page.url
    result.get_by_role("link", name=SERVICE_NAME, exact=True).click()
    lw.page.wait_for_load_state()
    expect(lw.page.get_by_role("heading", name=SERVICE_NAME, level=1)).to_be_visible()
    lw.page.locator("#back-to-results").click()
    lw.page.wait_for_load_state()
    assert lw.page.url == results_url, (lw.page.url, results_url)
    result.get_by_role("link", name=SERVICE_NAME, exact=True).click()
    lw.page.wait_for_load_state()
    lw.page.locator("#refer-service").click()
    lw.page.wait_for_load_state()
    assert _path(lw.page.url) == f"/referrals/{referral_id}"
    expect(lw.page.locator("#chosen-service")).to_contain_text(SERVICE_NAME)
    expect(lw.page.locator("#serviceId option:checked")).to_contain_text(SERVICE_NAME)
    lw.snap("refer-out-prefilled")
    # "Refer to …" on a result goes to the same prefilled form.
    lw.page.goto(results_url)
    result.locator("a.refer-here").click()
    lw.page.wait_for_load_state()
    expect(lw.page.locator("#serviceId option:checked")).to_contain_text(SERVICE_NAME)
    posted = submit(lw.page, "#refer-out", f"/referrals/{referral_id}/onward")
    assert posted.status in (302, 303), posted.status
    assert _path(lw.page.url) == f"/referrals/{referral_id}"
    expect(lw.page.locator("#s-referrals-out .notification-banner")).to_contain_text("Referral out sent")
    onward = lw.page.locator('section[aria-labelledby="onward-title"] tbody tr')
    expect(onward).to_have_count(1)
    expect(onward.first).to_contain_text(SERVICE_NAME)
    expect(onward.first).to_contain_text("Requested")
    lw.snap("referred-from-directory")

    # ---- Private feedback on the service -------------------------------------------------------------
    lw.goto("/directory?search=riverside+walks")
    lw.page.get_by_role("link", name=SERVICE_NAME, exact=True).click()
    lw.page.wait_for_load_state()
    expect(lw.page.get_by_role("heading", name=SERVICE_NAME)).to_be_visible()
    service_path = _path(lw.page.url)
    lw.page.fill("#rating", "9")
    submit(lw.page, "#give-feedback", f"{service_path}/feedback")
    expect(lw.page.locator(".error-summary")).to_contain_text("The rating must be from 1 to 5")
    lw.page.fill("#rating", "5")
    lw.page.fill("#text", f"Warm welcome, went every week ({RUN})")
    submit(lw.page, "#give-feedback", f"{service_path}/feedback")
    expect(lw.page.locator("#feedback")).to_contain_text(f"Warm welcome, went every week ({RUN})")
    lw.snap("feedback")

    # ---- The provider updates their own listing --------------------------------------------------------
    provider = people(PROVIDER, "provider", "/provider")
    provider.goto("/provider/listings")
    provider.page.locator("li", has=provider.page.get_by_role("link", name=SERVICE_NAME, exact=True)).get_by_role("link", name="Edit").click()
    provider.page.wait_for_load_state()
    provider.page.fill("#availablePlaces", "-2")
    submit(provider.page, "#save-listing", f"{service_path}/edit")
    expect(provider.page.locator(".error-summary")).to_contain_text("whole number of 0 or more")
    provider.page.fill("#availablePlaces", "3")
    submit(provider.page, "#save-listing", f"{service_path}/edit")
    assert _path(provider.page.url) == service_path
    expect(provider.page.locator("#capacity")).to_contain_text("3 places free now")
    expect(provider.page.locator("#feedback")).to_have_count(0)  # link workers' feedback is not for providers
    provider.snap("listing-updated")
    provider.goto(service_path.replace("/directory/services/", "/directory/services/") + "x", status=404)

    # ---- The admin reviews the change ------------------------------------------------------------------
    admin = people(ADMIN, "admin", "/admin/users")
    admin.goto("/directory/review")
    row = admin.page.locator("tbody tr", has=admin.page.get_by_role("link", name=SERVICE_NAME, exact=True))
    expect(row).to_contain_text("Changed, awaiting review")
    admin.snap("review-queue")
    row.get_by_role("link", name=SERVICE_NAME, exact=True).click()
    admin.page.wait_for_load_state()
    submit(admin.page, "#verify", f"{service_path}/verify")
    expect(admin.page.locator(".notice")).to_contain_text("verified")
    admin.page.check("#constituted")
    admin.page.check("#safeguardingPolicy")
    # The demo records its groups' checks with expiry dates; the form keeps them (insurance stays held,
    # so that later journeys can still refer to this group without an override).
    admin.page.check("#insurance")
    expect(admin.page.locator("#insuranceExpires")).not_to_have_value("")
    submit(admin.page, "#record-governance", f"{service_path}/governance")
    expect(admin.page.locator(".notice")).to_contain_text("Governance checks recorded")
    expect(admin.page.locator("dd", has_text="safeguarding policy")).to_contain_text("✓ constituted · ✓ safeguarding policy · ✓ insurance")
    expect(admin.page.locator("dd", has_text="safeguarding policy")).to_contain_text("Governance checks current")
    expect(admin.page.locator("#safeguardingPolicy")).to_be_checked()
    admin.snap("governance")
    admin.goto("/directory/review")
    expect(admin.page.locator("tbody tr", has=admin.page.get_by_role("link", name=SERVICE_NAME, exact=True))).to_have_count(0)
