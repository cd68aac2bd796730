"""Shared fixtures for the Linkwell browser tests: one server (seeded with the demo scheme) and one
headless Chromium per pytest session, used by every test file in this folder.

Environment:
    LINKWELL_BIN               server binary (default .build/debug/linkwell, relative to the repo root)
    LINKWELL_BROWSER_DATABASE  database for the server (SQLite path or postgres:// URL);
                               default: a fresh temporary SQLite file
    LINKWELL_DEMO_SQLITE       a seeded demo file the SQLite server starts from (scripts/test seeds one per run)
    LINKWELL_ARTIFACTS         where screenshots and server logs go (default artifacts/browser)
    LINKWELL_CHROMIUM          Chromium executable (default /usr/bin/chromium)
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Error as PlaywrightError, Page, expect, sync_playwright

REPO_ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "linkwell-demo-2026"
GP = "gp@demo.linkwell.test"
NURSE = "nurse@demo.linkwell.test"
LINK_WORKER = "linkworker@demo.linkwell.test"
PROVIDER = "provider@demo.linkwell.test"
ADMIN = "admin@demo.linkwell.test"
SUPERVISOR = "supervisor@demo.linkwell.test"


def _repo_path(value: str) -> Path:
    path = Path(value)
    return path if path.is_absolute() else REPO_ROOT / path


ARTIFACTS = _repo_path(os.environ.get("LINKWELL_ARTIFACTS") or "artifacts/browser")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _health_status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


# --------------------------------------------------------------------------------------------------
# Fixtures: the server (seeded with the demo scheme) and the browser.
# --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("[0-9][0-9]-*.png"):  # screenshots from an earlier run
        old.unlink()
    return ARTIFACTS


_SERVER_LOGS: list[Path] = []


def pytest_terminal_summary(terminalreporter, exitstatus):
    """When a test failed, what the server said beyond "info" (errors, refusals, 5xx), so that a failure in CI,
    where the artifacts are not kept, explains itself."""
    if exitstatus == 0:
        return
    for log in _SERVER_LOGS:
        if not log.exists():
            continue
        lines = [line for line in log.read_text(errors="replace").splitlines()
                 if '"level":"info"' not in line or re.search(r'"status":"(5\d\d|429)"', line)]
        terminalreporter.write_line(f"Server log {log} (not info, or 429/5xx): {len(lines)} lines, the last 40:")
        for line in lines[-40:]:
            terminalreporter.write_line("  " + line[:400])


@pytest.fixture(scope="session")
def server(artifacts: Path):
    binary = _repo_path(os.environ.get("LINKWELL_BIN") or ".build/debug/linkwell")
    if not binary.exists():
        pytest.fail(f"Linkwell binary not found at {binary}; build it first (swift build) or set LINKWELL_BIN")

    temp_dir = None
    database = os.environ.get("LINKWELL_BROWSER_DATABASE")
    if not database:
        temp_dir = tempfile.mkdtemp(prefix="linkwell-browser-")
        database = os.path.join(temp_dir, "linkwell.sqlite")
        if os.environ.get("LINKWELL_DEMO_SQLITE"):
            shutil.copy(os.environ["LINKWELL_DEMO_SQLITE"], database)  # the run's one seeded demo: `demo` below finds it there

    env = dict(os.environ)
    env.pop("LINKWELL_DATABASE", None)  # --database is always given explicitly
    env.setdefault("LINKWELL_TEST_RIGHT_TO_LEFT", "1")  # the right-to-left test language (test_languages.py)

    seeded = subprocess.run([str(binary), "demo", "--database", database], cwd=REPO_ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    (artifacts / "demo.log").write_text(seeded.stdout + seeded.stderr)
    if seeded.returncode != 0:
        pytest.fail(f"`linkwell demo` failed ({seeded.returncode}):\n{seeded.stdout}\n{seeded.stderr}")

    port = _free_port()
    base_url = f"http://127.0.0.1:{port}"
    stdout = open(artifacts / "server.stdout.log", "w")
    stderr = open(artifacts / "server.stderr.log", "w")
    _SERVER_LOGS.append(artifacts / "server.stderr.log")
    process = subprocess.Popen([str(binary), "serve", "--database", database, "--port", str(port)],
                               cwd=REPO_ROOT, env=env, stdout=stdout, stderr=stderr)
    try:
        deadline = time.monotonic() + 60
        while _health_status(f"{base_url}/health") != 200:
            if process.poll() is not None:
                pytest.fail(f"server exited with {process.returncode} before becoming healthy; "
                            f"see {artifacts / 'server.stderr.log'}:\n{(artifacts / 'server.stderr.log').read_text()[-3000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"server did not answer GET /health with 200 within 60 s; see {artifacts}")
            time.sleep(0.25)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        stdout.close()
        stderr.close()
        if temp_dir:
            shutil.rmtree(temp_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=os.environ.get("LINKWELL_CHROMIUM", "/usr/bin/chromium"),
                                     args=["--no-sandbox"], headless=True)
        yield chromium
        chromium.close()


class Accessibility:
    """axe-core (the copy bundled in the axe-playwright-python wheel) over every page the browser tests
    photograph (each `Screens` step) or walk (the reflow test): each distinct page, keyed by its path with
    ids blanked and its title, is checked once, with every rule axe runs by default (WCAG 2 A and AA and
    axe's best practices), whatever their impact. `test_zz_axe.py` asserts that none was violated.
    """

    ID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|\b\d+\b")

    def __init__(self) -> None:
        self.axe = Axe()
        self.seen: set[tuple[str, str]] = set()
        self.pages: list[dict] = []

    def audit(self, page: Page) -> None:
        key = (self.ID.sub("{id}", _path(page.url)), page.title())
        if key in self.seen:
            return
        self.seen.add(key)
        response = self.axe.run(page).response
        violations = [{"rule": v["id"], "impact": v["impact"], "help": v["help"],
                       "targets": [" ".join(map(str, n["target"])) for n in v["nodes"]][:5]}
                      for v in response["violations"]]
        self.pages.append({"url": _path(page.url), "title": key[1], "violations": violations})


ACCESSIBILITY = Accessibility()


class Screens:
    """Numbered full-page screenshots, one per significant step, in the order they were taken.

    `prefix` keeps one test file's screenshots apart from another's (the journey test's are plain `NN-name.png`).
    """

    def __init__(self, folder: Path, prefix: str = "", log_name: str = "steps.log"):
        self.folder = folder
        self.prefix = prefix
        self.count = 0
        self.started = time.monotonic()
        self.log = folder / log_name
        self.log.write_text("")

    @classmethod
    def for_file(cls, folder: Path, name: str) -> "Screens":
        """A test file's own screenshots (`name-NN-step.png`, log `name-steps.log`), clearing an earlier run's."""
        for old in folder.glob(f"{name}-[0-9][0-9]-*.png"):
            old.unlink()
        return cls(folder, prefix=f"{name}-", log_name=f"{name}-steps.log")

    def __call__(self, page: Page, name: str) -> None:
        self.count += 1
        file = f"{self.prefix}{self.count:02d}-{name}.png"
        ACCESSIBILITY.audit(page)
        before = time.monotonic()
        # Generous: a full-page screenshot of a long page on a loaded 2-core CI machine can take seconds.
        # Chromium now and then answers "Unable to capture screenshot" (a clean-clone `.ci/run` in session 29, with both browser suites running
        # on the 2 cores: the page's assertions had all passed). A screenshot is the run's evidence, not an assertion:
        # it is asked for again, up to twice; a third failure still fails the test.
        for attempt in range(3):
            try:
                page.screenshot(path=str(self.folder / file), full_page=True, timeout=60_000)
                break
            except PlaywrightError as error:
                if attempt == 2 or "Unable to capture screenshot" not in str(error):
                    raise
                time.sleep(1)
        with self.log.open("a") as log:
            again = f", attempt {attempt + 1}" if attempt else ""
            log.write(f"{before - self.started:7.2f}s  {file:<50} {page.url}  (screenshot {time.monotonic() - before:.2f}s{again})\n")


@pytest.fixture(scope="session")
def shot(artifacts: Path) -> Screens:
    return Screens(artifacts)


class User:
    """One person's browser session (its own context, so its own cookies)."""

    def __init__(self, browser: Browser, base_url: str, email: str, label: str, shot: Screens):
        self.context: BrowserContext = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900})
        self.context.set_default_timeout(30_000)
        self.page: Page = self.context.new_page()
        self.email, self.label, self.shot = email, label, shot

    def snap(self, name: str) -> None:
        self.shot(self.page, f"{self.label}-{name}")

    def goto(self, path: str, status: int = 200):
        response = self.page.goto(path)
        assert response is not None, f"no response for {path}"
        assert response.status == status, f"GET {path} as {self.email}: expected {status}, got {response.status}"
        return response

    def sign_in(self, start_path: str) -> None:
        self.goto("/login")
        expect(self.page.get_by_role("heading", name="Sign in")).to_be_visible()
        self.page.fill("#email", self.email)
        self.page.fill("#password", PASSWORD)
        self.snap("login")
        with self.page.expect_response(lambda r: r.request.method == "POST" and _path(r.url) == "/login") as posted:
            self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_load_state()
        if _path(self.page.url) != start_path:
            said = self.page.locator(".error-summary, main h1").all_inner_texts()
            raise AssertionError(f"{self.email} landed on {self.page.url}, expected {start_path}; "
                                 f"POST /login answered {posted.value.status}; the page said: {said}")
        expect(self.page.get_by_role("button", name="Sign out")).to_be_visible()
        self.snap("start-page")

    def sign_out(self) -> None:
        self.page.get_by_role("button", name="Sign out").click()
        self.page.wait_for_load_state()
        assert _path(self.page.url) == "/login"
        expect(self.page.get_by_role("button", name="Sign out")).to_have_count(0)
        self.snap("signed-out")

    def close(self) -> None:
        self.context.close()


def signed_in_people(browser: Browser, server: str, screens: Screens):
    """For a module fixture: one signed-in browser session per person, opened on first use, closed at the end."""
    opened: dict[str, User] = {}

    def signed_in(email: str, label: str, start_path: str) -> User:
        if email not in opened:
            user = User(browser, server, email, label, screens)
            user.sign_in(start_path)
            opened[email] = user
        return opened[email]

    yield signed_in
    for user in opened.values():
        user.close()


def _path(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url).split("?")[0]


@pytest.fixture
def users(browser: Browser, server: str, shot: Screens):
    opened: list[User] = []

    def open_as(email: str, label: str) -> User:
        user = User(browser, server, email, label, shot)
        opened.append(user)
        return user

    yield open_as
    for user in opened:
        user.close()


def fill_date(page: Page, name: str, day: int, month: int, year: int) -> None:
    """Types a date into the NHS three-field date input (Day, Month, Year) named `name`."""
    page.fill(f'[id="{name}-day"]', str(day))
    page.fill(f'[id="{name}-month"]', str(month))
    page.fill(f'[id="{name}-year"]', str(year))


def choose_service(page: Page, name: str) -> None:
    """Chooses `name` in the case page's referral-out picker, as a link worker would: the picker lists the
    first services by name, so when it is not there, search for it first (the page reloads at the picker)."""
    option = page.locator("#serviceId option", has_text=name)
    if option.count() == 0:
        page.fill("#findService", name)
        page.locator("#find-service").click()
        page.wait_for_load_state()
        option = page.locator("#serviceId option", has_text=name)
    expect(option).to_have_count(1)
    page.select_option("#serviceId", option.get_attribute("value"))


def fill_referral(page: Page, given: str, family: str, *, consent: bool, nhs_number: str = "") -> None:
    page.fill('[name="person.givenName"]', given)
    page.fill('[name="person.familyName"]', family)
    fill_date(page, "person.dateOfBirth", 27, 3, 1956)
    if nhs_number:
        page.fill('[name="person.nhsNumber"]', nhs_number)
    page.fill('[name="person.postcode"]', "LS1 4AP")
    page.fill('[name="person.phone"]', "0113 496 0000")
    page.select_option("#sourceType", "gp")
    page.check("#need-loneliness")
    page.fill("#personView", "I would like to get out of the house and meet people.")
    if consent:
        page.check('[id="consent.given"]')
        for purpose in page.locator('input[name="consent.purposes"]').all():  # opt-in: nothing starts ticked
            purpose.check()
    page.fill('[id="consent.givenBy"]', f"{given} {family}")
    page.select_option('[id="consent.method"]', "verbal")
