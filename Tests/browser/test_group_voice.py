"""Browser test of the community group's voice on a referral out (issue #16), driven through headless Chromium.

A referrer sends a referral; the link worker engages the person and refers them out to the walking group.
The group sees a notice of the new referral; the link worker writes on the referral out's thread and the
group answers (an empty message is refused with the field named). The group raises a concern about the
person: the supervisor finds it in the safeguarding queue, escalated to "A supervisor", and acknowledges it
on the case. The group accepts; attendance dated before the referral was sent is refused naming the
session date. The link worker closes the case; the group is told, and attendance on the closed case is
refused.

Uses the server and browser fixtures in conftest.py. Screenshots go to the artifacts folder as
`groupvoice-NN-name.png`. Names and texts are unique to the run.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import ADMIN, GP, LINK_WORKER, PROVIDER, SUPERVISOR, Screens, _path, choose_service, signed_in_people
from playwright.sync_api import Browser, expect
from test_casework import accept, make_referral, person_link, submit

SERVICE_NAME = "Riverside health walks"
RUN = uuid.uuid4().hex[:8]


@pytest.fixture(scope="module")
def voice_shot(artifacts: Path) -> Screens:
    return Screens.for_file(artifacts, "groupvoice")


@pytest.fixture(scope="module")
def people(browser: Browser, server: str, voice_shot: Screens):
    yield from signed_in_people(browser, server, voice_shot)


def test_link_worker_and_group_talk_raise_concerns_and_hear_of_closing(people):
    given, family = "Thread", f"Walker-{RUN}"
    name = f"{given} {family}"
    gp = people(GP, "gp", "/referrals")
    referral_id = make_referral(gp, given, family)
    case_path = f"/referrals/{referral_id}"

    # ---- Link worker: engage, then refer out to the walking group --------------------------------------
    lw = people(LINK_WORKER, "linkworker", "/referrals")
    accept(lw, referral_id, name)
    lw.page.select_option("#mode", "phone")
    lw.page.fill("#durationMinutes", "20")
    submit(lw.page, "#record-contact", f"{case_path}/contacts")
    expect(lw.page.locator("#referral-status")).to_have_text("Engaged")
    choose_service(lw.page, SERVICE_NAME)
    posted = submit(lw.page, "#refer-out", f"{case_path}/onward")
    assert posted.status in (302, 303), f"POST refer out: {posted.status}"
    expect(lw.page.locator(".error-summary")).to_have_count(0)

    # ---- The thread: refused when empty, then sent --------------------------------------------------------
    thread = lw.page.locator("#threads .thread").filter(has_text=SERVICE_NAME)
    expect(thread).to_have_count(1)
    expect(thread).to_contain_text("No messages yet")
    onward_id = thread.get_attribute("id").removeprefix("thread-")
    messages_path = f"{case_path}/onward/{onward_id}/messages"
    posted = submit(lw.page, f"#thread-{onward_id}-send", messages_path)
    assert posted.status == 422, f"an empty message: expected 422, got {posted.status}"
    expect(lw.page.locator(".error-summary")).to_contain_text("The message is required")
    expect(lw.page.locator(f'.error-summary a[href="#thread-{onward_id}-body"]')).to_have_count(1)
    expect(lw.page.locator(f"#thread-{onward_id}-body")).to_have_attribute("aria-invalid", "true")
    lw.snap("thread-empty-refused")
    lw_message = f"She would like a morning walk; her knee is sore on hills ({RUN})."
    lw.page.fill(f"#thread-{onward_id}-body", lw_message)
    posted = submit(lw.page, f"#thread-{onward_id}-send", messages_path)
    assert posted.status in (302, 303), f"POST a message: {posted.status}"
    expect(lw.page.locator(f"#thread-{onward_id} .thread-messages li")).to_have_count(1)
    expect(lw.page.locator(f"#thread-{onward_id}")).to_contain_text(lw_message)
    lw.snap("thread-sent")

    # ---- The group: a notice of the new referral, the thread, a reply -------------------------------------
    provider = people(PROVIDER, "provider", "/provider")
    provider.goto("/provider")
    expect(provider.page.locator("#notices li").first).to_contain_text("New referral to your service")
    provider.snap("notice-new-referral")
    provider.page.locator("tbody tr", has=person_link(provider.page, name)).get_by_role("link", name=name, exact=True).click()
    provider.page.wait_for_load_state()
    provider_path = _path(provider.page.url)
    assert provider_path == f"/provider/referrals/{onward_id}", provider_path
    expect(provider.page.locator("#thread")).to_contain_text(lw_message)
    reply = f"Our Thursday 10am walk is flat and slow; we will ring her ({RUN})."
    provider.page.fill("#body", reply)
    posted = submit(provider.page, "#send-message", f"{provider_path}/messages")
    assert posted.status in (302, 303), f"POST a reply: {posted.status}"
    expect(provider.page.locator("#thread .thread-messages li")).to_have_count(2)
    expect(provider.page.locator("#thread .thread-messages li").last).to_contain_text(reply)
    provider.snap("thread-reply")

    # ---- The group raises a concern: empty refused, then to the supervisors --------------------------------
    posted = submit(provider.page, "#raise-concern", f"{provider_path}/concern")
    assert posted.status == 422, f"an empty concern: expected 422, got {posted.status}"
    expect(provider.page.locator(".error-summary a[href=\"#description\"]")).to_have_count(1)
    concern = f"She seemed frightened of someone at home ({RUN})."
    provider.page.fill("#description", concern)
    posted = submit(provider.page, "#raise-concern", f"{provider_path}/concern")
    assert posted.status in (302, 303), f"POST a concern: {posted.status}"
    expect(provider.page.locator(".notice, [role=status]").filter(has_text="supervisors")).to_have_count(1)
    provider.snap("concern-raised")

    supervisor = people(SUPERVISOR, "supervisor", "/referrals")
    supervisor.goto("/safeguarding")
    row = supervisor.page.locator("#safeguarding-queue tbody tr").filter(has_text=concern)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("A supervisor")
    supervisor.snap("queue")
    supervisor.goto(case_path)
    item = supervisor.page.locator("#concerns li.concern").filter(has_text=concern)
    posted = submit(supervisor.page, item.get_by_role("button", name="Acknowledge"), f"{case_path}/concern-acknowledge")
    assert posted.status in (302, 303), f"POST acknowledge: {posted.status}"
    expect(supervisor.page.locator("#concerns li.concern").filter(has_text=concern)).to_contain_text("Acknowledged by")
    supervisor.snap("concern-acknowledged")

    # The link worker sees the group's reply on the case page.
    lw.goto(case_path)
    expect(lw.page.locator(f"#thread-{onward_id}")).to_contain_text(reply)

    # ---- Attendance dates: before the referral was sent is refused --------------------------------------------
    provider.goto(provider_path)
    submit(provider.page, "#accept", f"{provider_path}/accept")
    expect(provider.page.locator("#onward-status")).to_have_text("Accepted")
    # The session date is the three-field date input (Day, Month, Year), today's date to start with.
    expect(provider.page.locator("#sessionDate-day")).to_have_value(str(date.today().day))
    earlier = date.today() - timedelta(days=30)
    provider.page.fill("#sessionDate-day", str(earlier.day))
    provider.page.fill("#sessionDate-month", str(earlier.month))
    provider.page.fill("#sessionDate-year", str(earlier.year))
    posted = submit(provider.page, "#attended", f"{provider_path}/attendance")
    assert posted.status == 422, f"attendance before the referral: expected 422, got {posted.status}"
    # The summary links to the day field; the date as a whole is wrong, so all three parts are marked.
    expect(provider.page.locator(".error-summary a[href=\"#sessionDate-day\"]")).to_have_count(1)
    expect(provider.page.locator("#sessionDate-day")).to_have_attribute("aria-invalid", "true")
    expect(provider.page.locator("#sessionDate-day")).to_have_value(str(earlier.day))
    expect(provider.page.locator("#sessionDate .error-message")).to_contain_text("before the referral was sent")
    expect(provider.page.locator(".error-summary")).to_contain_text("before the referral was sent")
    expect(provider.page.locator("#attendance li")).to_have_count(0)
    provider.snap("attendance-too-early")

    # ---- The link worker closes the case; the group is told and can record no more ----------------------------
    lw.goto(case_path)
    lw.page.select_option("#close-reason", "goals_met")
    # The referral out is still accepted: closing lists it as a loose end and needs a confirmation.
    lw.page.check("#close-confirm")
    posted = submit(lw.page, 'button:has-text("Close case")', f"{case_path}/close")
    assert posted.status in (302, 303), f"POST close: {posted.status}"
    expect(lw.page.locator("#referral-status")).to_have_text("Closed")

    provider.goto("/provider")
    expect(provider.page.locator("#notices li").first).to_contain_text("Case closed by the link worker")
    provider.snap("notice-closed")
    provider.goto(provider_path)
    posted = submit(provider.page, "#attended", f"{provider_path}/attendance")
    assert posted.status == 422, f"attendance on a closed case: expected 422, got {posted.status}"
    expect(provider.page.locator(".error-summary")).to_contain_text("The case has closed")
    expect(provider.page.locator("#attendance li")).to_have_count(0)


def test_expired_governance_needs_a_supervisors_override(people):
    """The demo's Eastside Food Hub has expired insurance: search results and the referral-out form say so,
    a link worker's referral there is refused naming the service, and a supervisor refers with a reason."""
    given, family = "Pantry", f"Override-{RUN}"
    name = f"{given} {family}"
    gp = people(GP, "gp", "/referrals")
    referral_id = make_referral(gp, given, family)
    case_path = f"/referrals/{referral_id}"
    lw = people(LINK_WORKER, "linkworker", "/referrals")
    accept(lw, referral_id, name)
    lw.page.select_option("#mode", "phone")
    lw.page.fill("#durationMinutes", "20")
    submit(lw.page, "#record-contact", f"{case_path}/contacts")

    # Search results show where each group's checks stand.
    lw.goto("/directory?search=pantry")
    result = lw.page.locator("li.result").filter(has_text="Community pantry")
    expect(result.locator(".governance")).to_contain_text("insurance expired")
    expect(result.locator(".governance-blocks")).to_have_count(1)
    lw.snap("search-governance")

    lw.goto(case_path)
    choose_service(lw.page, "Community pantry")
    expect(lw.page.locator("#serviceId option:checked")).to_contain_text("override")
    expect(lw.page.locator("#governanceOverride")).to_have_count(0)  # link workers cannot override
    posted = submit(lw.page, "#refer-out", f"{case_path}/onward")
    assert posted.status == 422, f"a referral to a group with expired checks: expected 422, got {posted.status}"
    expect(lw.page.locator('.error-summary a[href="#serviceId"]')).to_contain_text("insurance expired")
    expect(lw.page.locator('section[aria-labelledby="onward-title"] tbody tr').filter(has_text="Community pantry")).to_have_count(0)
    lw.snap("governance-refused")

    supervisor = people(SUPERVISOR, "supervisor", "/referrals")
    supervisor.goto(case_path)
    choose_service(supervisor.page, "Community pantry")
    supervisor.page.fill("#governanceOverride", f"Renewed insurance certificate seen today ({RUN})")
    posted = submit(supervisor.page, "#refer-out", f"{case_path}/onward")
    assert posted.status in (302, 303), f"a supervisor's override: expected a redirect, got {posted.status}"
    expect(supervisor.page.locator(".error-summary")).to_have_count(0)
    expect(supervisor.page.locator('section[aria-labelledby="onward-title"] tbody tr').filter(has_text="Community pantry")).to_have_count(1)
    supervisor.snap("governance-overridden")


def test_admin_keeps_complaints_and_staff_records(people):
    """The administrator logs a complaint (an empty one is refused), closes it with an outcome, and records a
    link worker's DBS check whose renewal date has passed: it is flagged expired."""
    admin = people(ADMIN, "admin", "/admin/users")
    admin.goto("/admin/complaints")
    posted = submit(admin.page, "#log-complaint", "/admin/complaints")
    assert posted.status == 422, f"an empty complaint: expected 422, got {posted.status}"
    expect(admin.page.locator('.error-summary a[href="#about"]')).to_have_count(1)
    about = f"Nobody rang back after the referral ({RUN})"
    admin.page.fill("#about", about)
    posted = submit(admin.page, "#log-complaint", "/admin/complaints")
    assert posted.status in (302, 303), f"POST a complaint: {posted.status}"
    row = admin.page.locator("#complaints tbody tr").filter(has_text=about)
    expect(row).to_contain_text("Open")
    complaint_id = row.locator("form").get_attribute("action").split("/")[3]
    admin.page.fill(f"#outcome-{complaint_id}", f"Upheld; call-back rota changed ({RUN})")
    posted = submit(admin.page, f"#close-{complaint_id}", f"/admin/complaints/{complaint_id}/close")
    assert posted.status in (302, 303), f"POST close: {posted.status}"
    row = admin.page.locator("#complaints tbody tr").filter(has_text=about)
    expect(row).to_contain_text("Upheld; call-back rota changed")
    expect(row.locator("form")).to_have_count(0)
    admin.snap("complaint-closed")

    admin.goto("/admin/staff-checks")
    option = admin.page.locator("#userId option", has_text="Sam Patel")
    admin.page.select_option("#userId", option.get_attribute("value"))
    admin.page.select_option("#kind", "dbs")
    certificate = f"Enhanced DBS {RUN}"
    admin.page.fill("#title", certificate)
    admin.page.fill("#completedOn", (date.today() - timedelta(days=1200)).isoformat())
    admin.page.fill("#expiresOn", (date.today() - timedelta(days=5)).isoformat())
    posted = submit(admin.page, "#add-staff-check", "/admin/staff-checks")
    assert posted.status in (302, 303), f"POST a staff record: {posted.status}"
    row = admin.page.locator("#staff-checks tbody tr").filter(has_text=certificate)
    expect(row).to_contain_text("Sam Patel")
    expect(row).to_contain_text("Expired")
    admin.snap("staff-dbs-expired")
