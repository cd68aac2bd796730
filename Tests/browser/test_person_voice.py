"""Browser test of the person's voice on their own record, driven through headless Chromium.

The demo person (person@demo.linkwell.test) signs in to `/me` and sees their referral in plain words
(never "Rejected"). They raise a worry about a group (an empty one is refused beside its field first);
the supervisor finds it under "Requests", with the group named, and answers it; the person reads the
answer. They withdraw consent to share with groups and give it again. They stop their support (refused
until they tick the box that says what it means), then ask to come back; the supervisor sees the request
and answers it.

Every message carries text unique to the run, and every request is answered by the end, so the test can
run again on a database that holds an earlier run (when the demo person's support has already stopped,
that step is skipped).
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from conftest import SUPERVISOR, Screens, _path, signed_in_people
from playwright.sync_api import Browser, Page, Response, expect

PERSON = "person@demo.linkwell.test"
RUN = uuid.uuid4().hex[:8]


@pytest.fixture(scope="module")
def voice_shot(artifacts: Path) -> Screens:
    return Screens.for_file(artifacts, "voice")


@pytest.fixture(scope="module")
def people(browser: Browser, server: str, voice_shot: Screens):
    yield from signed_in_people(browser, server, voice_shot)


def submit(page: Page, button, path_prefix: str) -> Response:
    with page.expect_response(lambda r: _path(r.url).startswith(path_prefix) and r.request.method == "POST") as response:
        (page.locator(button) if isinstance(button, str) else button).click()
    page.wait_for_load_state()
    return response.value


def answer(supervisor, text: str, kind: str, reply: str) -> None:
    supervisor.goto("/requests")
    item = supervisor.page.locator("section.person-request").filter(has_text=text)
    expect(item).to_have_count(1)
    expect(item.get_by_role("heading")).to_contain_text(kind)
    supervisor.snap(f"request-{kind.split()[0].lower()}")
    item.get_by_label("Your answer to the person").fill(reply)
    posted = submit(supervisor.page, item.get_by_role("button", name="Send answer"), "/requests/")
    assert posted.status in (302, 303), f"answer: {posted.status}"
    expect(supervisor.page.get_by_role("status")).to_contain_text("Answer sent")
    expect(supervisor.page.locator("section.person-request").filter(has_text=text)).to_have_count(0)


def test_the_person_speaks_and_is_answered(people):
    me = people(PERSON, "person", "/me")
    page = me.page
    me.goto("/me")
    referral = page.locator("section[id^=referral-]").first
    expect(referral).to_be_visible()
    assert "Rejected" not in page.content()
    expect(referral.locator(".referral-status")).not_to_be_empty()

    # A worry about a group: refused when empty, beside its field; then sent.
    worry_form = referral.locator("form.worry")
    if worry_form.count():
        posted = submit(page, worry_form.get_by_role("button", name="Send my worry"), "/me/referrals/")
        assert posted.status == 422
        expect(page.locator(".error-summary")).to_be_visible()
        expect(page.locator("form.worry textarea[aria-invalid=true]")).to_have_count(1)
        me.snap("worry-refused")
        worry = f"The group leader was unkind to me ({RUN})"
        page.locator("form.worry").first.get_by_label("Your worry").fill(worry)
        posted = submit(page, page.locator("form.worry").first.get_by_role("button", name="Send my worry"), "/me/referrals/")
        assert posted.status in (302, 303)
        expect(page.get_by_role("status")).to_contain_text("A supervisor will look into your worry")
        expect(page.locator("ul.requests li").filter(has_text=worry)).to_contain_text("We have not answered yet")
        me.snap("worry-sent")

        supervisor = people(SUPERVISOR, "supervisor", "/referrals")
        answer(supervisor, worry, "A worry about a group", f"I have spoken to the group ({RUN}).")
        me.goto("/me")
        expect(page.locator("ul.requests li").filter(has_text=worry)).to_contain_text(f"I have spoken to the group ({RUN}).")

    # Consent to share with groups: changed one way and back again, each change applying at once.
    def sharing():
        return page.locator("li.consent[data-purpose=share_with_providers]").first

    for _ in range(2):
        was_given = "Yes" in sharing().inner_text()
        submit(page, sharing().get_by_role("button", name="Withdraw" if was_given else "Agree"), "/me/referrals/")
        expect(page.get_by_role("status")).to_contain_text("Your choice has been saved")
        expect(sharing()).to_contain_text("No" if was_given else "Yes")
        me.snap("consent-changed")

    # Stopping support must be confirmed; then the person may ask to come back.
    support = page.locator("li.consent[data-purpose=social_prescribing]").first
    stop = support.get_by_role("button", name="Stop my support")
    if stop.count():
        posted = submit(page, stop, "/me/referrals/")
        assert posted.status == 422
        expect(page.locator(".error-summary")).to_contain_text("Tick the box")
        support = page.locator("li.consent[data-purpose=social_prescribing]").first
        support.get_by_label("I understand this stops my support").check()
        posted = submit(page, support.get_by_role("button", name="Stop my support"), "/me/referrals/")
        assert posted.status in (302, 303)
        expect(page.locator(".referral-status").first).to_have_text("You chose to stop your support")
        me.snap("support-stopped")
    come_back = page.locator("form.come-back").first
    expect(come_back).to_be_visible()
    wish = f"I would like to try a group again ({RUN})"
    come_back.get_by_label("What you would like help with (optional)").fill(wish)
    posted = submit(page, come_back.get_by_role("button", name="Ask to come back"), "/me/referrals/")
    assert posted.status in (302, 303)
    expect(page.get_by_role("status")).to_contain_text("We have told your link worker")
    me.snap("asked-to-come-back")

    supervisor = people(SUPERVISOR, "supervisor", "/referrals")
    answer(supervisor, wish, "Asked to come back", f"Your link worker will ring you ({RUN}).")
    me.goto("/me")
    expect(page.locator("ul.requests li").filter(has_text=wish)).to_contain_text(f"Your link worker will ring you ({RUN}).")
    me.snap("answered")
