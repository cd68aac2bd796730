"""Runs after the other browser tests (file order): axe-core found no violation, of any impact, on any
page they photographed or walked (see `Accessibility` in conftest.py). The pages and their findings
are written to artifacts/browser/axe.json.
"""

from __future__ import annotations

import json
from pathlib import Path

from conftest import ACCESSIBILITY


def test_no_accessibility_violations_on_any_page_visited(artifacts: Path) -> None:
    pages = ACCESSIBILITY.pages
    (artifacts / "axe.json").write_text(json.dumps(pages, indent=1))
    assert len(pages) >= 20, f"only {len(pages)} pages were checked: run this file with the other browser tests"
    failing = [f"{p['url']} ({p['title']}): {v['rule']} [{v['impact']}] {v['help']} at {', '.join(v['targets'])}"
               for p in pages for v in p["violations"]]
    assert failing == [], f"{len(failing)} axe violations on {len({f.split(' ')[0] for f in failing})} pages:\n" + "\n".join(failing)
