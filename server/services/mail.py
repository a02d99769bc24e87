"""Sending mail: through an SMTP server, or (development) into ``instance/outbox/`` as ``.eml`` files.

Messages are plain text only. Nothing a citizen wrote is ever put into a message as markup.
"""

from __future__ import annotations

import smtplib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from email.headerregistry import BaseHeader, HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from email.policy import Policy, default
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any, Protocol

from server.services.translation import translated


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    text: str
    # Extra header fields (name, value), e.g. List-Unsubscribe; values are put in as given.
    headers: tuple[tuple[str, str], ...] = ()

    def in_language(self, language: str | None) -> Mail:
        """This mail with its subject and text in ``language`` (worded ones are translated; others stay)."""
        return replace(self, subject=translated(self.subject, language), text=translated(self.text, language))


def one_line(value: str) -> str:
    """``value`` with every run of whitespace, line breaks included, made one space.

    For words put into a subject or into a line of a body: a bill title holding a line break (an AKN alias may
    hold one; str.split also breaks at U+2028, U+2029 and U+0085, which mail readers may show as new lines) must
    neither stop the mail nor start a line of its own, such as a fake "Stop these mails:" link.
    """
    return " ".join(value.split())


class MailSender(Protocol):
    def send(self, mail: Mail) -> None: ...


class _LinkHeader(UnstructuredHeader, BaseHeader):
    """A header holding an angle-bracketed link (List-Unsubscribe), written on one line.

    The default policy folds at 78 characters, and a word longer than that (any unsubscribe link) it writes as
    RFC 2047 encoded words, which mail clients do not decode in a link header. RFC 5322 allows 998.
    """

    def fold(self, *, policy: Policy) -> str:
        line = f"{self.name}: {self}"
        if len(line) > 998 or not (line.isascii() and line.isprintable()):
            return str(super().fold(policy=policy))
        return line + str(policy.linesep)


_HEADERS = HeaderRegistry()
_HEADERS.map_to_type("list-unsubscribe", _LinkHeader)
_POLICY = default.clone(header_factory=_HEADERS)


def build_message(mail: Mail, sender: str) -> EmailMessage:
    message = EmailMessage(policy=_POLICY)
    message["From"] = sender
    message["To"] = mail.to
    message["Subject"] = one_line(mail.subject)
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain="parley.invalid")
    for name, value in mail.headers:
        message[name] = value
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
