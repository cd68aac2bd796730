"""The SMTP transport of the e-mail outbox against a real SMTP server (aiosmtpd) on 127.0.0.1:
`linkwell outbox send --smtp` delivers every queued notification once, and a second run sends nothing.

Environment: LINKWELL_BIN (default .build/debug/linkwell).
"""

from __future__ import annotations

import os
import socket
import subprocess
from email import message_from_bytes
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

REPO_ROOT = Path(__file__).resolve().parents[2]
BINARY = Path(os.environ.get("LINKWELL_BIN") or REPO_ROOT / ".build/debug/linkwell")


class Recorder:
    def __init__(self) -> None:
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.envelopes.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def linkwell(*args: str) -> str:
    result = subprocess.run([str(BINARY), *args], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture()
def smtp():
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, recorder
    controller.stop()


def test_queued_notifications_go_out_once_over_smtp(tmp_path: Path, smtp) -> None:
    controller, recorder = smtp
    database = str(tmp_path / "scheme.sqlite")
    linkwell("demo", "--database", database)  # 200 people's journeys: their messages back are queued

    url = f"smtp://127.0.0.1:{controller.port}"
    out = linkwell("outbox", "send", "--database", database, "--smtp", url, "--mail-from", "scheme@example.test",
                   "--public-url", "https://linkwell.example.test")
    sent = int(out.split("Sent ")[1].split(",")[0])
    assert sent > 100, out
    assert len(recorder.envelopes) == sent

    ids = set()
    reminders = 0
    for envelope in recorder.envelopes:
        assert envelope.mail_from == "scheme@example.test"
        assert len(envelope.rcpt_tos) == 1 and envelope.rcpt_tos[0].endswith("@demo.linkwell.test")
        message = message_from_bytes(envelope.original_content)
        ids.add(message["Message-ID"])
        assert message["Subject"].startswith("Linkwell: ")
        body = message.get_payload(decode=True).decode()
        if "governance checks" in body:
            # A governance reminder to an administrator or supervisor: about no referral, so it links to sign-in.
            assert "https://linkwell.example.test/\r\n" in body, body
            reminders += 1
        elif "registered with your practice" in body:
            # A GP practice's notice: its staff cannot open the case, so the link is to their messages.
            assert "https://linkwell.example.test/referrals\r\n" in body, body
        else:
            assert "https://linkwell.example.test/referrals/" in body, body
    assert len(ids) == sent, "each message back once"
    # The demo has one group's insurance expired and another's safeguarding policy due: each reminder goes to
    # every administrator and supervisor, once.
    assert reminders >= 4, reminders

    again = linkwell("outbox", "send", "--database", database, "--smtp", url)
    assert again.strip() == "Sent 0, to retry 0, failed 0."
    assert len(recorder.envelopes) == sent


def test_an_unreachable_relay_keeps_everything_queued(tmp_path: Path) -> None:
    database = str(tmp_path / "scheme.sqlite")
    linkwell("demo", "--database", database)
    out = linkwell("outbox", "send", "--database", database, "--smtp", f"smtp://127.0.0.1:{free_port()}")
    assert out.startswith("Sent 0, to retry "), out
    assert int(out.split("to retry ")[1].split(",")[0]) > 100


def test_bad_smtp_address_is_refused(tmp_path: Path) -> None:
    result = subprocess.run([str(BINARY), "outbox", "send", "--database", str(tmp_path / "x.sqlite"), "--smtp", "mail.example.test"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "--smtp must look like smtp://host:port" in result.stderr
