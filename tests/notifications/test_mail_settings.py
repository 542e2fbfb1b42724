"""SMTP settings kept in the database by an administrator, applied by building the backend from them."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator

import pytest
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.db import transaction

from potok.notifications import kinds
from potok.notifications.mail import mail_connection, mail_settings
from potok.notifications.models import Delivery, DeliveryStatus
from potok.notifications.services import notify
from tests.notifications.conftest import run_worker

pytestmark = pytest.mark.django_db(transaction=True)


class TinySmtp(socketserver.StreamRequestHandler):
    """Just enough SMTP for Django's backend: EHLO, MAIL, RCPT, DATA, QUIT."""

    received: list[str] = []

    def reply(self, line: str) -> None:
        self.wfile.write((line + "\r\n").encode())

    def handle(self) -> None:
        self.reply("220 tiny ESMTP")
        while True:
            line = self.rfile.readline().decode(errors="replace").strip()
            if not line:
                return
            verb = line.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 tiny")
            elif verb in ("MAIL", "RCPT", "RSET", "NOOP"):
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 go on")
                lines = []
                while (data := self.rfile.readline().decode(errors="replace")) not in (".\r\n", ""):
                    lines.append(data)
                TinySmtp.received.append("".join(lines))
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not here")


@pytest.fixture
def smtp_server() -> Iterator[int]:
    TinySmtp.received = []
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), TinySmtp)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_without_settings_the_installation_backend_is_used(demo_company) -> None:
    assert isinstance(mail_connection(), LocmemBackend)


def test_an_administrator_sets_the_smtp_server_and_mail_goes_through_it(
    client_as, person, smtp_server
) -> None:
    admin = client_as("admin")
    form = {
        "enabled": "on",
        "host": "127.0.0.1",
        "port": smtp_server,
        "security": "none",
        "username": "",
        "password": "",
        "timeout": 5,
        "from_email": "crm@severny-veter.example",
        "site_url": "https://crm.severny-veter.example",
    }
    assert admin.post("/settings/mail/", form).status_code == 302

    connection = mail_connection()
    assert isinstance(connection, SmtpBackend)
    assert (connection.host, connection.port, connection.use_tls, connection.timeout) == (
        "127.0.0.1",
        smtp_server,
        False,
        5,
    )

    with transaction.atomic():
        notify(recipients=[person("lawyer")], kind=kinds.MENTION, title="Вас упомянули", link="/documents/5/")
    run_worker()

    assert Delivery.objects.get(channel="email").status == DeliveryStatus.SENT
    (message,) = TinySmtp.received
    assert "From: crm@severny-veter.example" in message
    assert "https://crm.severny-veter.example/documents/5/" in message

    # a password is kept when the field is left empty, and never shown back
    admin.post("/settings/mail/", form | {"password": "s3cret", "security": "starttls"})
    admin.post("/settings/mail/", form | {"security": "starttls"})
    assert mail_settings().password == "s3cret"
    assert "s3cret" not in admin.get("/settings/mail/").content.decode()
    assert mail_connection().use_tls is True


def test_a_mail_server_that_is_down_is_a_failed_attempt(client_as, person) -> None:
    client_as("admin").post(
        "/settings/mail/",
        {"enabled": "on", "host": "127.0.0.1", "port": 9, "security": "none", "timeout": 2, "site_url": ""},
    )
    with transaction.atomic():
        notify(recipients=[person("lawyer")], kind=kinds.MENTION, title="x")
    run_worker()
    delivery = Delivery.objects.get(channel="email")
    assert delivery.status == DeliveryStatus.FAILED
    assert "Connection" in delivery.attempt_log.get().error or "refused" in delivery.attempt_log.get().error


def test_bad_settings_are_refused_with_a_message_per_field(client_as) -> None:
    page = client_as("admin").post(
        "/settings/mail/",
        {"enabled": "on", "host": "", "port": 587, "security": "none", "timeout": 5, "site_url": "ftp://x"},
    )
    assert page.status_code == 200
    content = page.content.decode()
    assert 'data-field-error="host"' in content and 'data-field-error="site_url"' in content
