"""Running Linkwell for real, through the `linkwell` binary and real sockets: backup while serving
under write load and restore, one server per SQLite file, slow and idle clients cut off, a
connection cap, health, readiness and metrics, settings from the environment and a file, and two
servers sharing one PostgreSQL database (sessions and outbox leases).

Environment:
    LINKWELL_BIN               server binary (default .build/debug/linkwell)
    LINKWELL_OPS_POSTGRES_URL  an empty PostgreSQL database these tests may wipe (the two-server
                               test is skipped without it; CI always sets it)
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
BINARY = Path(os.environ.get("LINKWELL_BIN") or REPO_ROOT / ".build/debug/linkwell")
PASSWORD = "correct horse battery staple"
REFERRAL = {
    "person": {"givenName": "Testy", "familyName": "Person", "dateOfBirth": "1950-01-01", "postcode": "LS1 4AP", "phone": "0113 496 0000",
               "gpPracticeCode": "Y99001"},
    "sourceType": "gp", "needs": ["loneliness"], "personView": "Company",
    "consent": {"given": True, "givenBy": "Testy Person", "method": "verbal", "purposes": ["share_with_providers"]},
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def linkwell(*args: str, check: bool = True, env: dict | None = None, input: str | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run([str(BINARY), *args], capture_output=True, text=True, timeout=300, env=env, input=input)
    if check:
        assert result.returncode == 0, f"linkwell {' '.join(args)}: {result.stdout}\n{result.stderr}"
    return result


def status(url: str, timeout: float = 2) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


class Server:
    def __init__(self, database: str, *extra: str, env: dict | None = None, port: int | None = None, log: Path | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        out = open(log, "w") if log else subprocess.DEVNULL
        args = [str(BINARY), "serve", "--database", database, *extra]
        if port is None:
            args += ["--port", str(self.port)]
        self.process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + 60
        while status(f"{self.url}/healthz") != 200:
            assert self.process.poll() is None, f"server exited with {self.process.returncode}: {log.read_text()[-2000:] if log else ''}"
            assert time.monotonic() < deadline, "server did not start within 60 s"
            time.sleep(0.2)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def api(url: str, token: str, method: str = "GET", body: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def referrer_token(database: str) -> str:
    # The person's registered practice, from an ODS extract (a fictional code in the published layout).
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as extract:
        extract.write('"Y99001","OPS PRACTICE","Y63","QWO","1 HIGH STREET","","LEEDS","","","LS1 4AP","19740401","","A"\n')
    linkwell("organisations", "import", extract.name, "--database", database)
    os.unlink(extract.name)
    linkwell("user", "create", "--database", database, "--email", "gp@ops.test", "--name", "Dr Ops", "--role", "referrer",
             "--password", PASSWORD)
    return linkwell("token", "create", "--database", database, "--email", "gp@ops.test", "--name", "ops test").stdout.strip()


# --------------------------------------------------------------------------------------------------


def test_backup_while_serving_under_load_then_restore(tmp_path: Path) -> None:
    database = str(tmp_path / "scheme.sqlite")
    linkwell("migrate", "--database", database)
    token = referrer_token(database)
    server = Server(database, log=tmp_path / "server.log")
    acknowledged: list[tuple[float, str]] = []
    stop = threading.Event()

    def writer() -> None:
        while not stop.is_set():
            code, body = api(f"{server.url}/api/v1/referrals", token, "POST", REFERRAL)
            assert code == 201, body
            acknowledged.append((time.monotonic(), body["id"]))

    threads = [threading.Thread(target=writer) for _ in range(4)]
    try:
        for t in threads:
            t.start()
        while len(acknowledged) < 20:
            time.sleep(0.05)
        started = time.monotonic()
        backup = str(tmp_path / "backup.sqlite")
        out = linkwell("backup", "--database", database, "--output", backup).stdout
        finished = time.monotonic()
        assert "Backed up to" in out
        while len(acknowledged) < len([a for a in acknowledged if a[0] <= finished]) + 10:
            time.sleep(0.05)
        # A restore is refused while the server uses the file, and changes nothing.
        refused = linkwell("restore", backup, "--database", database, check=False)
        assert refused.returncode != 0 and "Stop it before restoring" in refused.stderr, refused.stderr
    finally:
        stop.set()
        for t in threads:
            t.join()
        server.stop()
    before = [id for at, id in acknowledged if at < started]
    after = [id for at, id in acknowledged if at > finished]
    assert len(before) >= 20 and len(after) >= 10

    restored = linkwell("restore", backup, "--database", database).stdout
    assert "Verified" in restored and "Restored into" in restored
    server = Server(database)
    try:
        for id in before:
            assert api(f"{server.url}/api/v1/referrals/{id}", token)[0] == 200, f"acknowledged {id} missing after restore"
        assert all(api(f"{server.url}/api/v1/referrals/{id}", token)[0] == 404 for id in after[-5:])
    finally:
        server.stop()

    # A damaged backup is refused before anything is replaced.
    with open(backup, "r+b") as f:
        f.seek(4096 + 100)
        byte = f.read(1)
        f.seek(4096 + 100)
        f.write(bytes([byte[0] ^ 0xFF]))
    damaged = linkwell("restore", backup, "--database", database, check=False)
    assert damaged.returncode != 0 and "does not match its manifest" in damaged.stderr and "Nothing was changed" in damaged.stderr


def test_the_systems_own_sqlite_opens_the_file(tmp_path: Path) -> None:
    """An operator inspects or copies the file with the machine's `sqlite3` (Debian 12: 3.40), older than the SQLite
    Linkwell is built with. Every trigger and view is part of the schema that tool parses before it reads a row, so
    none may use newer syntax (`string_agg(... ORDER BY ...)`, 3.44, once made the whole file unreadable to it)."""
    import sqlite3

    database = str(tmp_path / "scheme.sqlite")
    linkwell("migrate", "--database", database)
    token = referrer_token(database)
    server = Server(database, log=tmp_path / "server.log")
    try:
        code, body = api(f"{server.url}/api/v1/referrals", token, "POST", REFERRAL)
        assert code == 201, body
    finally:
        server.stop()
    with sqlite3.connect(database) as db:
        names = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type IN ('trigger', 'view')")]
        assert "referral_needs_list_insert" in names, names
        assert db.execute("SELECT needs_list FROM referrals WHERE id = ?", (body["id"],)).fetchone() == ("loneliness",), sqlite3.sqlite_version


def test_a_second_server_on_the_same_sqlite_file_is_refused(tmp_path: Path) -> None:
    database = str(tmp_path / "one.sqlite")
    first = Server(database)
    try:
        second = subprocess.run([str(BINARY), "serve", "--database", database, "--port", str(free_port())],
                                capture_output=True, text=True, timeout=60)
        assert second.returncode != 0
        assert f"Another Linkwell server (process {first.process.pid}) is already using {database}" in second.stderr, second.stderr
        assert status(f"{first.url}/healthz") == 200
    finally:
        first.stop()
    again = Server(database)  # the lock went with the first server
    again.stop()


def test_health_readiness_and_metrics(tmp_path: Path) -> None:
    database = str(tmp_path / "health.sqlite")
    linkwell("migrate", "--database", database)
    gp = referrer_token(database)
    linkwell("user", "create", "--database", database, "--email", "lw@ops.test", "--name", "Lee Ops", "--role", "link_worker",
             "--password", PASSWORD)
    lw = linkwell("token", "create", "--database", database, "--email", "lw@ops.test", "--name", "ops test").stdout.strip()
    server = Server(database, "--ready-outbox-threshold", "100000", log=tmp_path / "server.log")
    try:
        assert status(f"{server.url}/healthz") == 200
        with urllib.request.urlopen(f"{server.url}/readyz") as response:
            ready = json.loads(response.read())
        assert ready == {"ready": True, "checks": {"database": "ok", "migrations": "ok", "outbox": "ok"}}

        # Accepting a referral queues the message back to the referrer (no mail transport is configured).
        code, created = api(f"{server.url}/api/v1/referrals", gp, "POST", REFERRAL)
        assert code == 201
        assert api(f"{server.url}/api/v1/referrals/{created['id']}/accept", lw, "POST")[0] == 200

        # A failed sign-in is counted.
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = opener.open(f"{server.url}/login").read().decode()
        login_token = re.search(r'name="_login" value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode({"email": "gp@ops.test", "password": "wrong password!!", "_login": login_token}).encode()
        try:
            opener.open(f"{server.url}/login", data=form)
            raise AssertionError("a wrong password signed in")
        except urllib.error.HTTPError as error:
            assert error.code == 401 and "not right" in error.read().decode()

        metrics = urllib.request.urlopen(f"{server.url}/metrics").read().decode()
        assert re.search(r'linkwell_http_requests_total\{[^}]*route="/login"[^}]*\} [1-9]', metrics), metrics[:3000]
        accepts = [line for line in metrics.splitlines()
                   if line.startswith("linkwell_http_requests_total{") and 'route="/api/v1/referrals/{id}/accept"' in line]
        assert any('status="200"' in line and line.split()[-1] in ("1", "1.0") for line in accepts), accepts
        assert re.search(r"linkwell_http_request_duration_seconds_bucket\{", metrics)
        assert re.search(r'linkwell_db_duration_seconds_count\{operation="read"\} [1-9]', metrics)
        assert re.search(r"^linkwell_signin_failures_total 1$", metrics, re.M)
        queued = int(re.search(r"^linkwell_outbox_queued (\d+)", metrics, re.M).group(1))
        assert queued == 1
    finally:
        server.stop()

    # Above the outbox threshold the instance says it is not ready, and why.
    server = Server(database, "--ready-outbox-threshold", "0")
    try:
        try:
            urllib.request.urlopen(f"{server.url}/readyz")
            raise AssertionError("ready with a backed-up outbox")
        except urllib.error.HTTPError as error:
            assert error.code == 503
            body = json.loads(error.read())
        assert body["ready"] is False and body["checks"]["outbox"] == "1 e-mails queued, above the threshold of 0"
    finally:
        server.stop()
    # The log is JSON lines with a request id, and says nothing personal.
    log = (tmp_path / "server.log").read_text()
    requests = [json.loads(line) for line in log.splitlines() if line.startswith("{") and '"message":"request"' in line]
    assert len(requests) >= 4
    assert all(re.fullmatch(r"[0-9a-f]{32}", r["request_id"]) and r["route"].startswith("/") for r in requests)
    for secret in ("Testy", "LS1 4AP", "gp@ops.test", "0113 496 0000"):
        assert secret not in log


def test_slow_and_idle_clients_are_cut_off_and_connections_capped(tmp_path: Path) -> None:
    database = str(tmp_path / "limits.sqlite")
    server = Server(database, "--idle-timeout", "2", "--body-timeout", "2", "--max-connections", "3")
    try:
        # Headers sent a byte at a time never finish: the connection is closed after the idle timeout.
        slow = socket.create_connection(("127.0.0.1", server.port))
        started = time.monotonic()
        closed = None
        for byte in b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 100:
            try:
                slow.send(bytes([byte]))
                slow.settimeout(0.3)
                if slow.recv(1) == b"":
                    closed = time.monotonic() - started
                    break
            except socket.timeout:
                continue
            except OSError:
                closed = time.monotonic() - started
                break
        slow.close()
        assert closed is not None and closed < 6, f"slow headers held the connection for {closed}"

        # A body trickled a byte at a time is refused with 408 once the body timeout passes.
        trickle = socket.create_connection(("127.0.0.1", server.port))
        trickle.sendall(b"POST /api/v1/referrals HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
        started = time.monotonic()
        answer = b""
        trickle.settimeout(0.3)
        while time.monotonic() - started < 8 and not answer:
            try:
                trickle.send(b"{")
                answer = trickle.recv(4096)
            except socket.timeout:
                continue
            except OSError:
                break
        trickle.close()
        assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
        assert time.monotonic() - started < 6

        # With three idle connections open, a fourth client waits; it is served once they are closed.
        idle = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(3)]
        time.sleep(0.3)
        waiting_started = time.monotonic()
        assert status(f"{server.url}/healthz", timeout=1) is None
        assert status(f"{server.url}/healthz", timeout=8) == 200  # the idle ones time out after 2 s
        assert time.monotonic() - waiting_started >= 1.0
        for s in idle:
            s.close()
    finally:
        server.stop()


def test_settings_from_environment_and_a_file(tmp_path: Path) -> None:
    database = str(tmp_path / "settings.sqlite")
    file_port, env_port = free_port(), free_port()
    config = tmp_path / "linkwell.conf"
    config.write_text(f"# Linkwell settings\nport = {file_port}\nlog-format = text\nidle-timeout = 5\n")
    env = dict(os.environ, LINKWELL_CONFIG=str(config))
    server = Server(database, env=env, port=file_port)
    server.stop()
    # The environment wins over the file, and the command line over both.
    env["LINKWELL_PORT"] = str(env_port)
    server = Server(database, env=env, port=env_port)
    server.stop()
    bad = tmp_path / "bad.conf"
    bad.write_text("colour = blue\n")
    result = subprocess.run([str(BINARY), "serve", "--database", database, "--config", str(bad)], capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "bad.conf line 1: expected 'option = value'" in result.stderr
    result = subprocess.run([str(BINARY), "serve", "--database", database], capture_output=True, text=True, timeout=60,
                            env=dict(os.environ, LINKWELL_MAX_CONNECTIONS="0"))
    assert result.returncode != 0 and "--max-connections must be from 1 to 100000" in result.stderr


POSTGRES = os.environ.get("LINKWELL_OPS_POSTGRES_URL")


@pytest.mark.skipif(not POSTGRES, reason="LINKWELL_OPS_POSTGRES_URL is not set")
def test_two_servers_share_one_postgres_database(tmp_path: Path) -> None:
    subprocess.run(["psql", "-X", "-q", "-d", POSTGRES, "-c", "DROP SCHEMA public CASCADE; CREATE SCHEMA public;"], check=True)
    linkwell("migrate", "--database", POSTGRES)
    gp = referrer_token(POSTGRES)
    linkwell("user", "create", "--database", POSTGRES, "--email", "lw@ops.test", "--name", "Lee Ops", "--role", "link_worker",
             "--password", PASSWORD)
    lw = linkwell("token", "create", "--database", POSTGRES, "--email", "lw@ops.test", "--name", "ops test").stdout.strip()
    maildirs = [tmp_path / "mail-a", tmp_path / "mail-b"]
    servers = [Server(POSTGRES, "--maildir", str(m), log=tmp_path / f"server-{i}.log") for i, m in enumerate(maildirs)]
    try:
        # Referrals made on one server and accepted on the other: each acceptance queues an e-mail
        # while both servers' outbox workers are polling (50 a pass each).
        for n in range(80):
            code, created = api(f"{servers[n % 2].url}/api/v1/referrals", gp, "POST", REFERRAL)
            assert code == 201, created
            assert api(f"{servers[(n + 1) % 2].url}/api/v1/referrals/{created['id']}/accept", lw, "POST")[0] == 200

        # A session started on one server is good on the other (sessions live in the database).
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = opener.open(f"{servers[0].url}/login").read().decode()
        login_token = re.search(r'name="_login" value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode({"email": "lw@ops.test", "password": PASSWORD, "_login": login_token}).encode()
        opener.open(f"{servers[0].url}/login", data=form)
        other = urllib.request.Request(f"{servers[1].url}/referrals")
        other.add_header("Cookie", "; ".join(f"{c.name}={c.value}" for c in jar))
        with urllib.request.urlopen(other) as response:
            assert response.status == 200 and response.url.endswith("/referrals"), response.url
            assert "Sign out" in response.read().decode()

        # Both outbox workers send; their leases share the work so each e-mail goes out once.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            metrics = urllib.request.urlopen(f"{servers[0].url}/metrics").read().decode()
            if re.search(r"^linkwell_outbox_queued 0(\.0)?$", metrics, re.M):
                break
            time.sleep(1)
        else:
            raise AssertionError("the outbox did not empty within 120 s")
    finally:
        for server in servers:
            server.stop()
    files = [f for m in maildirs for f in (m / "new").glob("*")]
    ids = [re.search(rb"^Message-ID: (.+)$", f.read_bytes(), re.M).group(1) for f in files]
    assert len(ids) == 80 and len(set(ids)) == len(ids), "every e-mail sent exactly once"
    assert all(any((m / "new").glob("*")) for m in maildirs), "both servers took a share of the outbox"

    # The CLI backup of the shared database, then a restore over later changes, on the public schema.
    backup = str(tmp_path / "scheme.dump")
    out = linkwell("backup", "--database", POSTGRES, "--output", backup).stdout
    referrals = json.load(open(backup + ".manifest.json"))["rowCounts"]["referrals"]
    assert referrals == 80, out

    def count(table: str) -> int:
        return int(subprocess.run(["psql", "-X", "-qtA", "-d", POSTGRES, "-c", f"SELECT count(*) FROM {table}"],
                                  capture_output=True, text=True, check=True).stdout)
    subprocess.run(["psql", "-X", "-q", "-d", POSTGRES, "-c", "DELETE FROM sessions"], check=True)
    assert count("sessions") == 0
    restored = linkwell("restore", backup, "--database", POSTGRES).stdout
    assert "row count matched the manifest" in restored
    assert count("referrals") == referrals and count("sessions") >= 1
