"""The NHS design system's error pattern on a real form, in Chromium: after a refused submission the page
title starts with "Error:", focus is on the error summary, and each field in error is marked
`aria-invalid` with its own message beside it, named by the field's `aria-describedby` and saying the
same as the summary's link to it.
"""

from __future__ import annotations

from conftest import GP, fill_referral
from playwright.sync_api import expect


def test_refused_referral_follows_the_error_pattern(users):
    gp = users(GP, "errors-gp")
    gp.sign_in("/referrals")
    gp.goto("/referrals/new")
    fill_referral(gp.page, "Error", "Pattern", consent=True, nhs_number="1234567890")
    gp.page.get_by_role("button", name="Send referral").click()
    gp.page.wait_for_load_state()

    assert gp.page.title().startswith("Error: "), gp.page.title()
    focused = gp.page.evaluate("document.activeElement.className")
    assert "error-summary" in focused, f"focus is on {focused!r}, not the error summary"

    field = gp.page.locator('[id="person.nhsNumber"]')
    expect(field).to_have_attribute("aria-invalid", "true")
    described = (field.get_attribute("aria-describedby") or "").split()
    assert "person.nhsNumber-error" in described, described
    message = gp.page.locator('[id="person.nhsNumber-error"]')
    expect(message).to_be_visible()
    summary_text = gp.page.locator('.error-summary a[href="#person.nhsNumber"]').inner_text().strip()
    assert summary_text and summary_text in message.inner_text(), (summary_text, message.inner_text())
    # Fields without a problem are not marked.
    expect(gp.page.locator('[id="person.givenName"]')).not_to_have_attribute("aria-invalid", "true")
