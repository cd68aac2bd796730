"""Runs last (file order): the server's logs over every browser journey before it hold nothing
personal — no demo or test person's name, no NHS number, no postcode — and every line is JSON with
a request id for requests.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def personal_names() -> set[str]:
    """The demo scheme's people's names and the names the browser tests type in."""
    demo = (REPO_ROOT / "Sources/LinkwellCommands/DemoScheme.swift").read_text()
    names: set[str] = set()
    for list_name in ("given", "family"):
        block = re.search(rf"let {list_name} = \[(.*?)\]", demo, re.S).group(1)
        names.update(re.findall(r'"([^"]+)"', block))
    for test in (REPO_ROOT / "Tests/browser").glob("test_*.py"):
        for given, family in re.findall(r'given, family = "([^"]+)", f"([^{"]+)', test.read_text()):
            names.update({given, family.rstrip("-")})
    return names


NHS_NUMBER = re.compile(r"(?<![\w-])\d{3}[ -]?\d{3}[ -]?\d{4}(?![\w-])")
POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}\b", re.I)


def test_server_logs_hold_nothing_personal(server: str, artifacts: Path) -> None:
    text = (artifacts / "server.stdout.log").read_text() + (artifacts / "server.stderr.log").read_text()
    requests = [json.loads(line) for line in text.splitlines() if line.startswith("{") and '"message":"request"' in line]
    assert len(requests) > 100, "the browser journeys' requests are logged"
    assert all(re.fullmatch(r"[0-9a-f]{32}", r["request_id"]) for r in requests)
    names = personal_names()
    assert {"Margaret", "Hughes", "Journey", "Tester"} <= names
    found = sorted({name for name in names if re.search(rf"\b{re.escape(name)}\b", text)})
    assert found == [], f"personal names in the server log: {found}"
    assert NHS_NUMBER.findall(text) == []
    assert POSTCODE.findall(text) == []
