"""Sending a verification code by e-mail: the address checked, the message, its delivery.

Delivery blocks (a command runs, an SMTP server answers), so it runs on the server's
mail thread, never on the event loop. A command is run without a shell, the message
on its stdin: the recipient is in the To header (`sendmail -t`), never on a command
line. Whatever goes wrong comes back as one line of text with the code taken out,
so that logs never hold it.
"""

from __future__ import annotations

import os
import re
import smtplib
import ssl
import subprocess
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from parley.server.config import Mail

MAX_ADDRESS = 254  # RFC 5321: the longest path a mail server must accept, less the brackets
MAX_LOCAL = 64
_LOCAL = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*")
_LABEL = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)")
MAX_ERROR = 200  # characters of a delivery error kept for the log


def valid_address(address: str) -> bool:
    """A plain `local@domain.tld` in ASCII: no quotes, comments, IP literals, spaces or
    control characters, no leading `-` (nothing that a mail program could read as an
    option), within the lengths mail servers accept."""
    if len(address) > MAX_ADDRESS or address.count("@") != 1:
        return False
    local, domain = address.split("@")
    if not local or len(local) > MAX_LOCAL or local.startswith("-") or not _LOCAL.fullmatch(local):
        return False
    labels = domain.split(".")
    if len(labels) < 2 or not all(_LABEL.fullmatch(label) for label in labels):
        return False
    return not labels[-1].isdigit()  # a dotted quad is not a domain


def verification_message(
    sender: str, to: str, account: str, code: str, network: str, minutes: int
) -> EmailMessage:
    """The mail that carries the code, in plain text."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = f"Your {network} verification code"
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(
        f"Someone, probably you, asked to register the account {account} on {network}\n"
        f"with this address. To finish, send this in your IRC client:\n\n"
        f"    /quote VERIFY {account} {code}\n\n"
        f"The code works once, for {minutes} minutes. If you did not ask for this,\n"
        f"do nothing: without the code, the account is not made.\n"
    )
    return message


def deliver(mail: Mail, message: EmailMessage, code: str) -> str | None:
    """Send `message` as configured: None once it is handed over, else what went wrong
    (without `code`). Never raises: it runs on a worker thread."""
    try:
        if mail.command:
            return _run_command(mail, message)
        _send_smtp(mail, message)
    except (OSError, smtplib.SMTPException, ssl.SSLError, ValueError) as exc:
        return _scrub(f"{type(exc).__name__}: {exc}", code)
    except subprocess.TimeoutExpired:
        return f"the mail command took more than {mail.timeout:g} s"
    return None


def _run_command(mail: Mail, message: EmailMessage) -> str | None:
    done = subprocess.run(  # an argv list from the operator's config; no shell
        list(mail.command),
        input=message.as_bytes(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,  # it might echo the message, code and all
        timeout=mail.timeout,
        check=False,
        close_fds=True,
        env=_plain_environment(),
    )
    if done.returncode != 0:
        return f"the mail command exited with status {done.returncode}"
    return None


def _plain_environment() -> dict[str, str]:
    """The server's environment without its own settings (PARLEY_PASSWORD, PARLEY_OPERS):
    a mail program has no use for the server's secrets."""
    return {k: v for k, v in os.environ.items() if not k.startswith("PARLEY_")}


def _send_smtp(mail: Mail, message: EmailMessage) -> None:
    assert mail.smtp_host is not None
    with smtplib.SMTP(mail.smtp_host, mail.smtp_port, timeout=mail.timeout) as smtp:
        if mail.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if mail.smtp_username is not None:
            smtp.login(mail.smtp_username, mail.smtp_password or "")
        smtp.send_message(message)


def _scrub(text: str, code: str) -> str:
    """One line for the log: the code (should a server echo it) taken out."""
    flat = " ".join(text.split())
    return flat.replace(code, "[code]")[:MAX_ERROR]
