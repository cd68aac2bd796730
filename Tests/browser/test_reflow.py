"""Reflow (WCAG 2.2 1.4.10): every page a user reaches works at 320 px without scrolling sideways.

Each demo role signs in; the test visits their home page, every link in their menu, and the first record
their home page links to, and the public pages. Each page is laid out at 320, 375 and 1280 px wide (the
viewport is resized on the loaded page, so every width sees the same content). At each width:

- the page itself never scrolls sideways (`scrollWidth` of the document is at most the viewport's);
- every visible control (link, button, field, disclosure) lies within the viewport, except inside a
  table's own scroll area (`.table-scroll`, reachable by scrolling that area, as the NHS design system's
  tables do), and has a usable size;
- a table wider than the screen sits in such a scroll area, never loose on the page.

Screenshots of each role's home page at 375 and 1280 px are kept as `reflow-<role>-<width>.png`.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
from conftest import ACCESSIBILITY, ADMIN, GP, LINK_WORKER, PASSWORD, PROVIDER, SUPERVISOR, _path
from playwright.sync_api import Browser, Page

WIDTHS = (320, 375, 1280)
ROLES = [
    ("gp", GP, "/referrals", r"^/referrals/[^/]+$"),
    ("linkworker", LINK_WORKER, "/referrals", r"^/referrals/[^/]+$"),
    ("supervisor", SUPERVISOR, "/referrals", r"^/referrals/[^/]+$"),
    ("provider", PROVIDER, "/provider", r"^/provider/referrals/[^/]+$"),
    ("admin", ADMIN, "/admin/users", r"^/admin/users/[^/]+$"),
    ("commissioner", "commissioner@demo.linkwell.test", "/insight", None),
    ("steering", "steering@demo.linkwell.test", "/steering", None),
    ("person", "person@demo.linkwell.test", "/me", None),
]

# What the page reports about its layout at the current width: the document's width, and every visible
# control or table that sticks out of the viewport, outside a table's own scroll area.
LAYOUT = """
() => {
  const width = document.documentElement.clientWidth;
  const describe = (el) => {
    const id = el.id ? '#' + el.id : '';
    const text = (el.innerText || el.value || el.getAttribute('name') || el.getAttribute('href') || '').trim().slice(0, 40);
    return el.tagName.toLowerCase() + id + ' "' + text + '"';
  };
  const outside = [];
  const tiny = [];
  for (const el of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary, table')) {
    if (el.closest('.table-scroll') && el.tagName !== 'TABLE') continue;
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (box.width === 0 || box.height === 0 || style.visibility === 'hidden') continue;
    if (el.closest('.visually-hidden, .skip-link')) continue;
    const scroller = el.tagName === 'TABLE' ? el.closest('.table-scroll') : null;
    const frame = scroller ? scroller.getBoundingClientRect() : box;
    if (frame.left < -1 || frame.right > width + 1) outside.push(describe(el) + ' at ' + Math.round(frame.left) + '..' + Math.round(frame.right));
    if (el.tagName !== 'TABLE' && el.tagName !== 'A' && (box.width < 16 || box.height < 16)) tiny.push(describe(el));
  }
  return {scrollWidth: document.documentElement.scrollWidth, width, outside, tiny};
}
"""


def _same_site_paths(page: Page, selector: str) -> list[str]:
    hrefs = page.eval_on_selector_all(selector, "els => els.map(e => e.href)")
    paths = []
    for href in hrefs:
        url = urlparse(href)
        if url.netloc and url.netloc != urlparse(page.url).netloc:
            continue
        path = url.path + (("?" + url.query) if url.query else "")
        if path and not path.startswith(("/logout", "/static", "/api", "/oruk", "/openapi")) and path not in paths:
            paths.append(path)
    return paths


def _check(page: Page, path: str, problems: list[str]) -> None:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        layout = page.evaluate(LAYOUT)
        if layout["scrollWidth"] > layout["width"] + 1:
            problems.append(f"{path} at {width}px: the page scrolls sideways ({layout['scrollWidth']} > {layout['width']})")
        for item in layout["outside"][:5]:
            problems.append(f"{path} at {width}px: {item} is outside the viewport")
        for item in layout["tiny"][:5]:
            problems.append(f"{path} at {width}px: {item} is smaller than 16 px")


def _visit(page: Page, path: str) -> bool:
    response = page.goto(path)
    return response is not None and response.status == 200 and "text/html" in (response.headers.get("content-type") or "")


@pytest.mark.parametrize("role,email,home,record", ROLES, ids=[r[0] for r in ROLES])
def test_every_page_reflows(browser: Browser, server: str, artifacts: Path, role, email, home, record):
    context = browser.new_context(base_url=server, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(30_000)
    page = context.new_page()
    try:
        page.goto("/login")
        page.fill("#email", email)
        page.fill("#password", PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
        assert _path(page.url) == home, f"{email} landed on {page.url}"

        for width in (375, 1280):
            page.set_viewport_size({"width": width, "height": 800})
            page.screenshot(path=str(artifacts / f"reflow-{role}-{width}.png"), full_page=True, timeout=60_000)

        problems: list[str] = []
        paths = [home] + [p for p in _same_site_paths(page, "nav.nav a") if p != home]
        if record:
            records = [p for p in _same_site_paths(page, "main a[href]") if re.match(record, p.split("?")[0])]
            paths += records[:1]
        visited = []
        for path in paths:
            page.set_viewport_size({"width": 1280, "height": 800})
            if not _visit(page, path):
                continue
            visited.append(path)
            ACCESSIBILITY.audit(page)
            _check(page, path, problems)
        assert len(visited) >= 1 + (1 if record else 0), f"{role}: too few pages reached: {visited}"
        assert not problems, f"{role}: pages that do not reflow:\n" + "\n".join(problems)
    finally:
        context.close()


def test_public_pages_reflow(browser: Browser, server: str):
    context = browser.new_context(base_url=server, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    try:
        problems: list[str] = []
        for path in ("/login", "/find-support", "/find-support?search=walks", "/self-referral"):
            assert _visit(page, path), path
            ACCESSIBILITY.audit(page)
            _check(page, path, problems)
        # The self-referral form can be sent from a phone: its button is reachable and clickable at 320 px.
        page.set_viewport_size({"width": 320, "height": 640})
        button = page.get_by_role("button", name="Send")
        button.scroll_into_view_if_needed()
        box = button.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 320, box
        button.click(trial=True)
        assert not problems, "public pages that do not reflow:\n" + "\n".join(problems)
    finally:
        context.close()
