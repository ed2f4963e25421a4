"""A job's end e-mailed to a local SMTP server (Debian's python3-aiosmtpd) by `paddock notify
deliver`: the job ends first, with nothing delivering (the outbox keeps it), then the mail goes
out once; the password is never printed."""
import os
import socket
import sqlite3
import subprocess
from email import message_from_bytes

import pytest

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")

PADDOCK = os.environ.get("PADDOCK_BINARY", "paddock")


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 OK"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def paddock(*args):
    return subprocess.run([PADDOCK, *args], check=True, capture_output=True, text=True).stdout


def test_a_jobs_end_is_mailed_once(demo_db):
    inbox = Inbox()
    port = free_port()
    controller = aiosmtpd_controller.Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        shown = paddock("notify", "config", "--db", demo_db, "email_to=analyst@example.org",
                        "email_from=paddock@example.org", f"smtp_url=smtp://127.0.0.1:{port}",
                        "smtp_password=hunter2")
        assert "hunter2" not in shown and "(set, not shown)" in shown
        assert "hunter2" not in paddock("notify", "show", "--db", demo_db)
        day = sqlite3.connect(demo_db).execute(
            "SELECT race_date FROM races WHERE status = 'finished' GROUP BY race_date ORDER BY race_date DESC LIMIT 1"
        ).fetchone()[0]
        paddock("predict", "--db", demo_db, "--date", day, "--all", "-q", "--job-id", "mailed")
        assert "email    pending" in paddock("notify", "show", "--db", demo_db, "--job", "mailed")
        assert inbox.messages == []  # nothing delivered yet: the outbox keeps it
        delivered = paddock("notify", "deliver", "--db", demo_db)
        assert "mailed email delivered" in delivered, delivered
        assert len(inbox.messages) == 1
        sender, recipients, message = inbox.messages[0]
        assert sender == "paddock@example.org" and recipients == ["analyst@example.org"]
        assert message["Subject"] == "paddock: job mailed completed"
        text = message.get_payload(decode=True).decode("utf-8")
        assert "Job mailed completed." in text
        assert "processed" in text and "Throughput" in text
        assert "Nothing to deliver." in paddock("notify", "deliver", "--db", demo_db)
        assert len(inbox.messages) == 1
    finally:
        controller.stop()


def test_bad_settings_are_refused(demo_db):
    run = subprocess.run([PADDOCK, "notify", "config", "--db", demo_db, "smtp_url=http://mail"],
                         capture_output=True, text=True)
    assert run.returncode == 2 and "notify.smtp_url: not an smtp:// or smtps:// URL" in run.stderr
