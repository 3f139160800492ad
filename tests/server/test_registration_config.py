"""The [registration] and [mail] settings, in the file and as flags; mistakes name their key."""

from __future__ import annotations

from pathlib import Path

import pytest

from parley.server.configfile import ConfigError
from support.configs import load


def test_the_defaults_allow_registering_before_connecting_without_an_address(
    tmp_path: Path,
) -> None:
    config = load(tmp_path, None)
    assert config.registration.before_connect and not config.registration.email_required
    assert not config.mail.configured


def test_the_file_sets_registration_and_smtp(tmp_path: Path) -> None:
    (tmp_path / "smtp-password").write_text("s3cret\n")
    (tmp_path / "smtp-password").chmod(0o600)
    config = load(
        tmp_path,
        """
[registration]
before_connect = false
email_required = true
code_lifetime = 900

[mail]
smtp_host = "mail.example.org"
smtp_port = 587
smtp_starttls = true
smtp_username = "parley"
smtp_password_file = "smtp-password"
from = "irc@example.org"
timeout = 5
""",
    )
    registration, mail = config.registration, config.mail
    assert (registration.before_connect, registration.email_required) == (False, True)
    assert registration.code_lifetime == 900.0
    assert (mail.smtp_host, mail.smtp_port, mail.smtp_starttls) == ("mail.example.org", 587, True)
    assert (mail.smtp_username, mail.smtp_password) == ("parley", "s3cret")
    assert (mail.sender, mail.timeout) == ("irc@example.org", 5.0)


def test_flags_turn_the_settings_on_and_name_the_mail_command(tmp_path: Path) -> None:
    config = load(
        tmp_path,
        None,
        "--no-register-before-connect",
        "--register-email-required",
        "--mail-command",
        "/usr/sbin/sendmail -t -i -f 'irc bounces@example.org'",
    )
    assert not config.registration.before_connect and config.registration.email_required
    assert config.mail.command == (
        "/usr/sbin/sendmail",
        "-t",
        "-i",
        "-f",
        "irc bounces@example.org",
    )
    smtp = load(tmp_path, None, "--register-email-required", "--smtp", "127.0.0.1:2525")
    assert (smtp.mail.smtp_host, smtp.mail.smtp_port) == ("127.0.0.1", 2525)


@pytest.mark.parametrize(
    ("toml", "flags", "named"),
    [
        ("[registration]\nemail_required = true\n", (), "registration.email_required"),
        (None, ("--register-email-required",), "registration.email_required"),
        ("[registration]\nemail_required = 1\n", (), "registration.email_required"),
        ("[registration]\ncode_lifetime = 0\n", (), "registration.code_lifetime"),
        ("[registration]\ncaptcha = true\n", (), "registration.captcha"),
        ('[mail]\ncommand = "sendmail -t"\n', (), "mail.command"),
        ('[mail]\ncommand = ["true"]\nsmtp_host = "x.example"\n', (), "mail"),
        ("[mail]\nsmtp_port = 70000\n", (), "mail.smtp_port"),
        ('[mail]\ncommand = ["true"]\nfrom = "not an address"\n', (), "mail.from"),
        ("[mail]\nrelay = 1\n", (), "mail.relay"),
        (None, ("--mail-command", "'unclosed"), "--mail-command"),
        (None, ("--mail-command", ""), "--mail-command"),
        (None, ("--smtp", ":25"), "--smtp"),
    ],
)
def test_mistakes_name_their_key(
    tmp_path: Path, toml: str | None, flags: tuple[str, ...], named: str
) -> None:
    with pytest.raises(ConfigError, match=f"^{named}"):
        load(tmp_path, toml, *flags)


def test_always_on_is_off_by_default_and_set_in_the_file(tmp_path: Path) -> None:
    config = load(tmp_path, None)
    assert not config.registration.always_on
    assert (config.limits.always_on_clients, config.limits.always_on_expiry_days) == (1000, 30.0)
    text = "[registration]\nalways_on = true\n[limits]\nalways_on_clients = 0\n"
    config = load(tmp_path, text + "always_on_expiry_days = 0\n")
    assert config.registration.always_on
    assert (config.limits.always_on_clients, config.limits.always_on_expiry_days) == (0, 0.0)
    with pytest.raises(ConfigError, match=r"registration\.always_on"):
        load(tmp_path, '[registration]\nalways_on = "yes"\n')
