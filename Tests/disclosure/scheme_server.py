"""The seeded scheme every disclosure attack runs against, shared by the attack modules (one demo seed per run).

Environment: LINKWELL_BIN (default .build/debug/linkwell); LINKWELL_DISCLOSURE_DATABASE: a postgres:// URL
of a database these tests may wipe (default: a fresh temporary SQLite file); LINKWELL_DISCLOSURE_SEEDED=1 when
that database is a fresh copy of the seeded demo (scripts/test makes one), so it is used as it is;
LINKWELL_DEMO_SQLITE: a seeded demo file to start the SQLite run from (scripts/test seeds one per run).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("LINKWELL_BIN") or str(ROOT / ".build" / "debug" / "linkwell")
DATABASE = os.environ.get("LINKWELL_DISCLOSURE_DATABASE", "")
COMMISSIONER = "commissioner@demo.linkwell.test"
# Only the test's "world" signs in as the supervisor, to record measures between queries; never the attacker.
SUPERVISOR = "supervisor@demo.linkwell.test"
NEEDS = ["loneliness", "low_mood", "anxiety", "debt", "benefits", "housing", "employment", "carer_support",
         "bereavement", "physical_activity", "long_term_condition", "other"]
BANDS = [1, 2, 5, 10, 20]


# ------------------------------------------------------------------------------------------------
# The database, for seeding the sparse months and for ground truth (never for the attack itself).
# ------------------------------------------------------------------------------------------------

class Database:
    def __init__(self, target: str):
        self.target = target
        self.postgres = target.startswith("postgres")

    def rows(self, sql: str) -> list[list[str]]:
        if self.postgres:
            out = subprocess.run(["psql", self.target, "-X", "-q", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", sql],
                                 capture_output=True, text=True, check=True).stdout
            return [line.split("\t") for line in out.splitlines() if line]
        with sqlite3.connect(self.target) as db:
            return [["" if v is None else str(v) for v in row] for row in db.execute(sql).fetchall()]

    def run(self, sql: str) -> None:
        if self.postgres:
            subprocess.run(["psql", self.target, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql], capture_output=True, text=True, check=True)
        else:
            with sqlite3.connect(self.target) as db:
                db.executescript(sql)

    def timestamp(self, when: dt.datetime) -> str:
        return f"'{when.isoformat()}'::timestamptz" if self.postgres else repr(when.timestamp())

    def month_of(self, column: str) -> str:
        return f"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM')" if self.postgres else f"strftime('%Y-%m', {column}, 'unixepoch')"

    def epoch(self, column: str) -> str:
        return f"extract(epoch from {column})" if self.postgres else column


def month_add(month: str, k: int) -> str:
    y, m = map(int, month.split("-"))
    i = y * 12 + m - 1 + k
    return f"{i // 12:04d}-{i % 12 + 1:02d}"


# ------------------------------------------------------------------------------------------------
# The server.
# ------------------------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def scheme():
    if not Path(BIN).exists():
        pytest.fail(f"Linkwell binary not found at {BIN}; build it first")
    temp = tempfile.mkdtemp(prefix="linkwell-disclosure-")
    target = DATABASE or os.path.join(temp, "linkwell.sqlite")
    db = Database(target)
    if db.postgres and os.environ.get("LINKWELL_DISCLOSURE_SEEDED") != "1":  # a database this test owns: start from nothing
        db.run("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    if not db.postgres and os.environ.get("LINKWELL_DEMO_SQLITE"):
        shutil.copy(os.environ["LINKWELL_DEMO_SQLITE"], target)  # the run's one seeded demo: `demo` below finds it there
    env = {k: v for k, v in os.environ.items() if k != "LINKWELL_DATABASE"}
    subprocess.run([BIN, "demo", "--database", target], env=env, capture_output=True, text=True, timeout=600, check=True)

    # Sparse months before the demo's first month: one referral alone in one month, three in another.
    first = min(r[0] for r in db.rows("SELECT month FROM referral_facts"))
    ids = [r[0] for r in db.rows("SELECT referral_id FROM referral_facts ORDER BY referral_id")]
    moves = {month_add(first, -2): ids[:1], month_add(first, -4): ids[1:4]}
    for month, chosen in moves.items():
        y, m = map(int, month.split("-"))
        when = db.timestamp(dt.datetime(y, m, 15, 12, tzinfo=dt.timezone.utc))
        quoted = ", ".join(f"'{i}'" for i in chosen)
        db.run(f"UPDATE referrals SET received_at = {when} WHERE id IN ({quoted});"
               f"UPDATE referral_facts SET received_at = {when}, month = '{month}' WHERE referral_id IN ({quoted});"
               f"UPDATE onward_facts SET received_at = {when} WHERE referral_id IN ({quoted});")
    # Facts changed by hand: the dashboards' rollups are rebuilt from them, as an operator would.
    subprocess.run([BIN, "insight", "rebuild-rollups", "--database", target], env=env, capture_output=True, text=True, timeout=600, check=True)

    token = subprocess.run([BIN, "token", "create", "--database", target, "--email", COMMISSIONER, "--name", "attack"],
                           env=env, capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
    port = _free_port()
    log = open(os.path.join(temp, "server.log"), "w")
    process = subprocess.Popen([BIN, "serve", "--database", target, "--port", str(port)], env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/health", timeout=2)
                break
            except (OSError, urllib.error.HTTPError):
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("server did not start: " + open(os.path.join(temp, "server.log")).read()[-2000:])
                time.sleep(0.25)
        tokens = {"commissioner": token}
        for role, email in [("supervisor", SUPERVISOR)]:
            tokens[role] = subprocess.run([BIN, "token", "create", "--database", target, "--email", email, "--name", "world"],
                                          env=env, capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
        yield {"base": base, "token": token, "tokens": tokens, "db": db, "sparse": moves}
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def get(scheme, path: str, params: dict | None = None, expect: int = 200):
    """A GET as the commissioner (the attacker)."""
    query = "?" + urllib.parse.urlencode({k: v for k, v in (params or {}).items() if v is not None}) if params else ""
    request = urllib.request.Request(scheme["base"] + path + query, headers={"Authorization": "Bearer " + scheme["token"]})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    assert status == expect, f"{path}{query}: {status} {body[:300]!r}"
    return json.loads(body) if body else None




def post(scheme, path: str, body: dict, as_role: str, expect: int = 201):
    """A POST by the test's world (never the attacker), e.g. a supervisor recording a measure."""
    request = urllib.request.Request(scheme["base"] + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Authorization": "Bearer " + scheme["tokens"][as_role], "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, text = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read()
    assert status == expect, f"POST {path}: {status} {text[:300]!r}"
    return json.loads(text) if text else None
