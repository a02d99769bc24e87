"""Sending mail: through an SMTP server, or (development) into ``instance/outbox/`` as ``.eml`` files.

Messages are plain text only. Nothing a citizen wrote is ever put into a message as markup.
"""

from __future__ import annotations

import smtplib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any, Protocol


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str


class MailSender(Protocol):
    def send(self, mail: Mail) -> None: ...


def build_message(mail: Mail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to
    # A subject is one line: a bill title with a line break (an AKN alias may hold one) must not stop the mail.
    message["Subject"] = " ".join(mail.subject.split())
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain="parley.invalid")
    message.set_content(mail.text)
    return message


class SmtpSender:
    """Delivers through an SMTP server (STARTTLS when the server offers it)."""

    def __init__(self, host: str, port: int, sender: str, timeout: float = 10) -> None:
        self.host, self.port, self.sender, self.timeout = host, port, sender, timeout

    def send(self, mail: Mail) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            smtp.ehlo()
            if smtp.has_extn("starttls"):
                smtp.starttls()
                smtp.ehlo()
            smtp.send_message(build_message(mail, self.sender))


class OutboxSender:
    """Writes each message to a directory, for development without a mail server."""

    def __init__(self, directory: Path, sender: str) -> None:
        self.directory, self.sender = directory, sender

    def send(self, mail: Mail) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{uuid.uuid4().hex}.eml"
        path.write_bytes(bytes(build_message(mail, self.sender)))


def sender_from_config(config: Mapping[str, Any]) -> MailSender:
    """The sender the configuration names (``MAIL_BACKEND`` is ``smtp`` or ``outbox``)."""
    sender = str(config.get("MAIL_FROM", "Parley <no-reply@parley.invalid>"))
    if config.get("MAIL_BACKEND") == "smtp":
        return SmtpSender(str(config.get("MAIL_SMTP_HOST", "127.0.0.1")), int(config.get("MAIL_SMTP_PORT", 25)),
                          sender)
    return OutboxSender(Path(config["INSTANCE_PATH"]) / "outbox", sender)
