"""Browser test of accounts, driven through headless Chromium.

The administrator adds a supervisor (a common password and one made of their own name are refused),
then makes two-factor sign-in a requirement for supervisors. The new supervisor signs in, is made to
set it up (the key is read off the page and the codes computed here, as an authenticator app would,
per RFC 6238), keeps the recovery codes, and is in. The next sign-in asks for a code; a recovery code
works once; a code from the app works. Wrong passwords slow the account down. The supervisor sees and
ends another of their own sessions. The administrator deactivates them (signed out at once, the
password no longer works), reactivates them, and turns the requirement off again.

Screenshots go to the artifacts folder as `accounts-NN-name.png`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time
import uuid
from pathlib import Path

import pytest
from conftest import ADMIN, Screens, User, _path, signed_in_people
from playwright.sync_api import Browser, expect
from test_casework import submit

RUN = uuid.uuid4().hex[:8]
EMAIL = f"robin.ashe.{RUN}@demo.linkwell.test"
PASSWORD = "lantern harbour tulip"


def totp(secret: str, offset: int = 0) -> str:
    """The six-digit code an authenticator app shows for this base-32 key now (RFC 6238, HMAC-SHA1, 30 s)."""
    plain = secret.replace(" ", "").upper()
    key = base64.b32decode(plain + "=" * (-len(plain) % 8))
    mac = hmac.new(key, struct.pack(">Q", int(time.time() // 30) + offset), hashlib.sha1).digest()
    start = mac[-1] & 0x0F
    return f"{(int.from_bytes(mac[start:start + 4], 'big') & 0x7FFFFFFF) % 1_000_000:06d}"


@pytest.fixture(scope="module")
def accounts_shot(artifacts: Path) -> Screens:
    return Screens.for_file(artifacts, "accounts")


@pytest.fixture(scope="module")
def people(browser: Browser, server: str, accounts_shot: Screens):
    yield from signed_in_people(browser, server, accounts_shot)


def set_two_factor_for_supervisors(admin: User, on: bool) -> None:
    admin.goto("/admin/settings")
    box = admin.page.locator('[id="twoFactor.supervisor"]')
    box.check() if on else box.uncheck()
    submit(admin.page, "#save-settings", "/admin/settings")
    admin.goto("/admin/settings")
    (expect(box).to_be_checked() if on else expect(box).not_to_be_checked())


def sign_in_with_password(user: User, password: str = PASSWORD) -> None:
    user.goto("/login")
    user.page.fill("#email", user.email)
    user.page.fill("#password", password)
    user.page.get_by_role("button", name="Sign in").click()
    user.page.wait_for_load_state()


def test_policy_two_factor_throttling_sessions_and_offboarding(people, browser: Browser, server: str, accounts_shot: Screens):
    admin = people(ADMIN, "admin", "/admin/users")
    # ---- The administrator adds a supervisor; weak passwords are refused, naming the field -----------
    admin.page.fill("#displayName", "Robin Ashe")
    admin.page.fill("#email", EMAIL)
    admin.page.select_option("#role", "supervisor")
    for weak, why in [("password1234", "common and breached"), ("RobinAshe2026!", "your name or e-mail")]:
        admin.page.fill("#password", weak)
        response = submit(admin.page, 'button:has-text("Add user")', "/admin/users")
        assert response.status == 422, f"{weak!r} was accepted"
        expect(admin.page.locator(".error-summary")).to_contain_text(why)
    admin.snap("weak-password-refused")
    admin.page.fill("#password", PASSWORD)
    submit(admin.page, 'button:has-text("Add user")', "/admin/users")
    row = admin.page.locator("#users tbody tr", has_text=EMAIL)
    expect(row).to_contain_text("Supervisor")
    set_two_factor_for_supervisors(admin, True)
    admin.snap("two-factor-required")

    try:
        # ---- First sign-in: the password alone is not enough; set up two-factor sign-in ---------------
        robin = User(browser, server, EMAIL, "robin", accounts_shot)
        sign_in_with_password(robin)
        assert _path(robin.page.url) == "/account/two-factor", robin.page.url
        expect(robin.page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
        expect(robin.page.locator("#otpauth-uri")).to_contain_text("otpauth://totp/Linkwell:")
        robin.snap("set-up")
        robin.goto("/referrals")
        assert _path(robin.page.url) == "/login", "half signed in must not open any page"
        robin.goto("/account/two-factor")
        secret = robin.page.locator("#secret code").inner_text()
        robin.page.fill("#code", "000000")
        assert submit(robin.page, "#confirm-two-factor", "/account/two-factor").status == 422
        robin.page.fill("#code", totp(secret))
        submit(robin.page, "#confirm-two-factor", "/account/two-factor")
        codes = robin.page.locator("#recovery-codes li").all_inner_texts()
        assert len(codes) == 10, codes
        robin.snap("recovery-codes")
        robin.page.locator("#continue").click()
        robin.page.wait_for_load_state()
        assert _path(robin.page.url) == "/referrals", robin.page.url
        expect(robin.page.get_by_role("button", name="Sign out")).to_be_visible()
        robin.sign_out()

        # ---- Next sign-in: a code is asked for; a recovery code works once ----------------------------
        sign_in_with_password(robin)
        assert _path(robin.page.url) == "/login/code"
        robin.page.fill("#code", codes[0])
        submit(robin.page, "#verify-code", "/login/code")
        assert _path(robin.page.url) == "/referrals"
        robin.sign_out()
        sign_in_with_password(robin)
        robin.page.fill("#code", codes[0])
        assert submit(robin.page, "#verify-code", "/login/code").status == 401
        expect(robin.page.locator(".error-summary")).to_contain_text("not right, or has been used already")
        robin.snap("recovery-code-used-twice")
        # The app's next code (within the one step of drift allowed) signs in.
        robin.page.fill("#code", totp(secret, offset=1))
        submit(robin.page, "#verify-code", "/login/code")
        assert _path(robin.page.url) == "/referrals"

        # ---- Wrong passwords slow the account down -------------------------------------------------------
        other = User(browser, server, EMAIL, "robin-elsewhere", accounts_shot)
        for _ in range(3):
            sign_in_with_password(other, "not my password at all")
            expect(other.page.locator(".error-summary")).to_contain_text("The email or password is not right")
        # Delays of 1, 2, 4 … seconds follow: quick tries soon meet one (a bcrypt check takes a while, so
        # keep trying rather than guess the timing), and it is not a lockout: waiting is enough.
        for _ in range(6):
            sign_in_with_password(other, "not my password at all")
            if "Too many failed sign-ins" in other.page.locator("main").inner_text():
                break
        expect(other.page.locator(".error-summary")).to_contain_text("Too many failed sign-ins")
        other.snap("slowed-down")
        for _ in range(15):
            time.sleep(2)
            sign_in_with_password(other)
            if _path(other.page.url) == "/login/code":
                break
        assert _path(other.page.url) == "/login/code", other.page.url
        other.page.fill("#code", codes[1])
        submit(other.page, "#verify-code", "/login/code")
        assert _path(other.page.url) == "/referrals"

        # ---- Robin sees both sessions and ends the other one ------------------------------------------------
        robin.goto("/account")
        expect(robin.page.locator("#two-factor-state")).to_contain_text("8 unused recovery codes")
        sessions = robin.page.locator("#sessions tbody tr")
        expect(sessions).to_have_count(2)
        robin.snap("own-sessions")
        with robin.page.expect_response(lambda r: "/account/sessions/" in r.url and r.request.method == "POST"):
            sessions.get_by_role("button", name="Sign out there").click()
        robin.page.wait_for_load_state()
        expect(robin.page.locator("#sessions tbody tr")).to_have_count(1)
        other.goto("/referrals")
        assert _path(other.page.url) == "/login", "the ended session no longer works"

        # ---- The administrator offboards Robin --------------------------------------------------------------
        admin.goto("/admin/users")
        admin.page.locator("#users tbody tr", has_text=EMAIL).get_by_role("link").click()
        admin.page.wait_for_load_state()
        expect(admin.page.locator("#user-two-factor")).to_have_text("On")
        submit(admin.page, "#deactivate", admin.page.url.replace(server, "") + "/deactivate")
        expect(admin.page.locator("#user-state")).to_have_text("Deactivated")
        admin.snap("deactivated")
        robin.goto("/referrals")
        assert _path(robin.page.url) == "/login", "signed out at once"
        sign_in_with_password(robin)
        expect(robin.page.locator(".error-summary")).to_contain_text("The email or password is not right")
        user_path = _path(admin.page.url)
        submit(admin.page, "#reactivate", f"{user_path}/reactivate")
        expect(admin.page.locator("#user-state")).to_have_text("Active")
        admin.goto("/admin/audit")
        expect(admin.page.locator("table")).to_contain_text("user-deactivated")
        expect(admin.page.locator("table")).to_contain_text("two-factor-enrolled")
        admin.snap("audit")
        robin.close()
        other.close()
    finally:
        set_two_factor_for_supervisors(admin, False)
