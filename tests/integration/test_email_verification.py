"""Accounts confirmed by e-mail: REGISTER mails a code (SMTP or a command), VERIFY uses it.

The mail goes to a real SMTP server on 127.0.0.1 (aiosmtpd) or through a real
command; the tests read the code from the mail, as a user would.
"""

from __future__ import annotations

import base64
import email
import re
import sys
from collections.abc import Callable, Iterator
from email.message import Message as Mail
from pathlib import Path

import pytest

from parley.irc.message import Message
from parley.server.config import Mail as MailConfig
from parley.server.config import Registration
from parley.server.tls import ensure_certificate
from support.client import IrcClient
from support.servers import ThreadServer
from support.smtp_sink import SmtpSink
from support.waiting import wait_until

PASSWORD = "correct horse battery"
CODE = re.compile(r"VERIFY (\S+) (\S+)")


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with SmtpSink() as running:
        yield running


@pytest.fixture
def smtp_server(make_server: Callable[..., ThreadServer], sink: SmtpSink) -> ThreadServer:
    """A server that needs an e-mail address for new accounts and mails through `sink`."""
    return make_server(
        registration=Registration(email_required=True),
        mail=MailConfig(smtp_host="127.0.0.1", smtp_port=sink.port, timeout=10.0),
    )


def sasl_plain(client: IrcClient, account: str, password: str) -> str:
    """An AUTHENTICATE PLAIN exchange; the final numeric."""
    client.send("CAP REQ sasl")
    client.expect("CAP")
    client.send("AUTHENTICATE PLAIN")
    client.expect("AUTHENTICATE")
    client.send("AUTHENTICATE " + base64.b64encode(f"\0{account}\0{password}".encode()).decode())
    return client.expect(lambda m: m.command in ("903", "904")).command


def code_in(mail: Mail, account: str) -> str:
    body = mail.get_payload(decode=True)
    assert isinstance(body, bytes)
    found = CODE.search(body.decode())
    assert found is not None and found.group(1) == account, body
    return found.group(2)


def register(client: IrcClient, line: str) -> Message:
    """Send a REGISTER line; the REGISTER or FAIL answer."""
    client.send(line)
    return client.expect(lambda m: m.command in ("REGISTER", "FAIL"))


def test_the_code_mailed_through_smtp_makes_the_account(
    smtp_server: ThreadServer, sink: SmtpSink
) -> None:
    alice = IrcClient(smtp_server.port)
    alice.register("alice")
    alice.send("CAP LS 302")
    caps = alice.expect("CAP").params[-1].split()
    assert "draft/account-registration=before-connect,email-required" in caps
    answer = register(alice, f"REGISTER * alice@example.org :{PASSWORD}")
    assert answer.command == "REGISTER" and answer.params[:2] == ("VERIFICATION_REQUIRED", "alice")
    wait_until(lambda: len(sink.messages) == 1, what="the mail")
    mail = sink.messages[0]
    assert mail["To"] == "alice@example.org"
    assert mail["From"] == "parley@test.parley"
    code = code_in(mail, "alice")
    assert sasl_plain(IrcClient(smtp_server.port), "alice", PASSWORD) == "904"  # not yet
    squatter = IrcClient(smtp_server.port)
    squatter.send("NICK alice")  # (in use: the nick is refused, REGISTER sees the asked one)
    answer = register(squatter, f"REGISTER alice squat@example.org :{PASSWORD}")
    assert answer.params[:2] == ("REGISTER", "ACCOUNT_EXISTS")
    alice.send("VERIFY alice WRONGCODE1")
    assert alice.expect("FAIL").params[:3] == ("VERIFY", "INVALID_CODE", "alice")
    alice.send(f"VERIFY alice {code.lower()}")  # typed in lower case: still the code
    alice.expect("900")
    assert alice.expect("VERIFY").params[:2] == ("SUCCESS", "alice")
    assert sasl_plain(IrcClient(smtp_server.port), "alice", PASSWORD) == "903"
    again = IrcClient(smtp_server.port)
    again.register("other")
    again.send(f"VERIFY alice {code}")  # single use
    assert again.expect("FAIL").params[:2] == ("VERIFY", "INVALID_CODE")


def test_before_connect_register_then_verify_then_finish_connecting(
    smtp_server: ThreadServer, sink: SmtpSink
) -> None:
    bob = IrcClient(smtp_server.port)
    bob.send("CAP LS 302")
    bob.send("NICK bob")
    answer = register(bob, f"REGISTER * bob@example.org :{PASSWORD}")
    assert answer.params[:2] == ("VERIFICATION_REQUIRED", "bob")
    wait_until(lambda: len(sink.messages) == 1, what="the mail")
    bob.send(f"VERIFY bob {code_in(sink.messages[0], 'bob')}")
    assert bob.expect("VERIFY").params[:2] == ("SUCCESS", "bob")
    bob.send("USER bob 0 * :Bob")
    bob.send("CAP END")
    bob.expect("001")
    watcher = IrcClient(smtp_server.port)
    watcher.register("watcher")
    watcher.send("WHOIS bob")
    assert watcher.expect("330").params[1:3] == ("bob", "bob")


def test_the_code_works_from_another_connection_but_not_for_another_name(
    smtp_server: ThreadServer, sink: SmtpSink
) -> None:
    carol = IrcClient(smtp_server.port)
    carol.register("carol")
    assert register(carol, f"REGISTER * carol@example.org :{PASSWORD}").command == "REGISTER"
    dave = IrcClient(smtp_server.port)
    dave.register("dave")
    assert register(dave, f"REGISTER * dave@example.org :{PASSWORD}").command == "REGISTER"
    wait_until(lambda: len(sink.messages) == 2, what="two mails")
    codes = {m["To"]: code_in(m, m["To"].split("@")[0]) for m in sink.messages}
    dave.send(f"VERIFY carol {codes['dave@example.org']}")  # his own code, her name
    assert dave.expect("FAIL").params[:3] == ("VERIFY", "INVALID_CODE", "carol")
    carol.close()  # she comes back on another connection with the mail in hand
    back = IrcClient(smtp_server.port)
    back.register("carol_")
    back.send(f"VERIFY carol {codes['carol@example.org']}")
    assert back.expect("VERIFY").params[:2] == ("SUCCESS", "carol")
    dave.send(f"VERIFY dave {codes['dave@example.org']}")  # his still waits, untouched
    assert dave.expect("VERIFY").params[:2] == ("SUCCESS", "dave")


@pytest.mark.parametrize(
    "address",
    [
        "*",
        "nobody",
        "a@b",
        "a@@example.org",
        "-oQ/tmp/x@example.org",
        "a..b@example.org",
        "x@192.0.2.1",
        "x@[192.0.2.1]",
        "élodie@example.org",
        '"quoted"@example.org',
        "a@example.org,b@example.org",
        "a@example.org>",
        "x" * 250 + "@example.org",
        "a@" + "b" * 64 + ".org",
    ],
)
def test_bogus_addresses_are_refused_and_nothing_is_sent(
    smtp_server: ThreadServer, sink: SmtpSink, address: str
) -> None:
    erin = IrcClient(smtp_server.port)
    erin.register("erin")
    answer = register(erin, f"REGISTER * {address} :{PASSWORD}")
    assert answer.params[:3] == ("REGISTER", "INVALID_EMAIL", "erin")
    erin.sync()
    assert sink.messages == []


def test_a_header_smuggled_into_the_address_goes_nowhere(
    smtp_server: ThreadServer, sink: SmtpSink
) -> None:
    """A lone CR inside a line (the line itself ends at CR LF) is not a header break."""
    frank = IrcClient(smtp_server.port)
    frank.register("frank")
    frank.send(b"REGISTER * frank@example.org\rBcc:victim@example.net :" + PASSWORD.encode())
    answers = frank.sync()
    assert not any(m.command == "REGISTER" for m in answers)
    assert sink.messages == []


def test_an_smtp_server_refusing_the_mail_is_a_clear_fail_and_frees_the_name(
    smtp_server: ThreadServer, sink: SmtpSink, caplog: pytest.LogCaptureFixture
) -> None:
    sink.refuse()
    gina = IrcClient(smtp_server.port)
    gina.register("gina")
    answer = register(gina, f"REGISTER * gina@example.org :{PASSWORD}")
    assert answer.params[:3] == ("REGISTER", "TEMPORARILY_UNAVAILABLE", "gina")
    assert "could not be mailed" in answer.params[-1]
    wait_until(lambda: "could not be mailed" in caplog.text, what="the log line")
    sink.refuse(False)
    answer = register(gina, f"REGISTER * gina@example.org :{PASSWORD}")
    assert answer.params[:2] == ("VERIFICATION_REQUIRED", "gina")


def _writer(tmp_path: Path, status: int) -> tuple[str, ...]:
    """A mail command: a script that keeps its stdin in a file, then exits `status`."""
    script = tmp_path / "keep_mail.py"
    script.write_text(
        "import os, sys\n"
        "data = sys.stdin.buffer.read()\n"
        "with open(sys.argv[1] + '.env', 'w') as f:\n"
        "    f.write(repr(sorted(os.environ.items())))\n"
        "with open(sys.argv[1], 'ab') as f:\n"
        "    f.write(data + b'\\0')\n"
        f"sys.exit({status})\n"
    )
    return (sys.executable, str(script), str(tmp_path / "outbox"))


def _outbox(tmp_path: Path) -> list[Mail]:
    path = tmp_path / "outbox"
    if not path.exists():
        return []
    return [email.message_from_bytes(m) for m in path.read_bytes().split(b"\0") if m]


def test_the_mail_command_gets_the_message_on_stdin(
    make_server: Callable[..., ThreadServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PARLEY_OPERS", "root:the-operators-secret")
    server = make_server(
        registration=Registration(email_required=True),
        mail=MailConfig(command=_writer(tmp_path, 0), sender="irc@example.org"),
    )
    hank = IrcClient(server.port)
    hank.register("hank")
    answer = register(hank, f"REGISTER * hank@example.org :{PASSWORD}")
    assert answer.params[:2] == ("VERIFICATION_REQUIRED", "hank")
    (mail,) = _outbox(tmp_path)
    assert (mail["To"], mail["From"]) == ("hank@example.org", "irc@example.org")
    assert "the-operators-secret" not in (tmp_path / "outbox.env").read_text()  # not its business
    hank.send(f"VERIFY hank {code_in(mail, 'hank')}")
    assert hank.expect("VERIFY").params[:2] == ("SUCCESS", "hank")


def test_a_failing_mail_command_is_a_clear_fail_logged_without_the_code(
    make_server: Callable[..., ThreadServer], tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    server = make_server(
        registration=Registration(email_required=True),
        mail=MailConfig(command=_writer(tmp_path, 3)),
    )
    ivy = IrcClient(server.port)
    ivy.register("ivy")
    answer = register(ivy, f"REGISTER * ivy@example.org :{PASSWORD}")
    assert answer.params[:3] == ("REGISTER", "TEMPORARILY_UNAVAILABLE", "ivy")
    (mail,) = _outbox(tmp_path)  # written, then the command failed
    code = code_in(mail, "ivy")
    wait_until(lambda: "exited with status 3" in caplog.text, what="the log line")
    assert code not in caplog.text
    ivy.send(f"VERIFY ivy {code}")  # a mail that failed holds nothing
    assert ivy.expect("FAIL").params[:2] == ("VERIFY", "INVALID_CODE")


def test_without_email_required_register_makes_the_account_at_once(
    make_server: Callable[..., ThreadServer], sink: SmtpSink
) -> None:
    server = make_server(mail=MailConfig(smtp_host="127.0.0.1", smtp_port=sink.port))
    jo = IrcClient(server.port)
    jo.register("jo")
    jo.send("CAP LS 302")
    assert "draft/account-registration=before-connect" in jo.expect("CAP").params[-1].split()
    assert register(jo, f"REGISTER * jo@example.org :{PASSWORD}").params[0] == "SUCCESS"
    assert sink.messages == []


def test_registration_before_connecting_can_be_turned_off(
    make_server: Callable[..., ThreadServer],
) -> None:
    server = make_server(registration=Registration(before_connect=False))
    kim = IrcClient(server.port)
    kim.send("CAP LS 302")
    caps = kim.expect("CAP").params[-1].split()
    assert "draft/account-registration" in caps  # with no keys at all
    kim.send("NICK kim")
    answer = register(kim, f"REGISTER * * :{PASSWORD}")
    assert answer.params[:3] == ("REGISTER", "COMPLETE_CONNECTION_REQUIRED", "kim")
    kim.send("VERIFY kim ABCDEFGHJK")
    assert kim.expect("FAIL").params[:2] == ("VERIFY", "COMPLETE_CONNECTION_REQUIRED")
    kim.send("USER kim 0 * :Kim")
    kim.send("CAP END")
    kim.expect("001")
    assert register(kim, f"REGISTER * * :{PASSWORD}").params[0] == "SUCCESS"


def test_registering_before_connecting_needs_the_server_password(
    make_server: Callable[..., ThreadServer],
) -> None:
    server = make_server(password="letmein")
    lee = IrcClient(server.port)
    lee.send("NICK lee")
    answer = register(lee, f"REGISTER * * :{PASSWORD}")
    assert answer.params[:2] == ("REGISTER", "PASSWORD_REQUIRED")
    lee.send("PASS wrong")
    assert register(lee, f"REGISTER * * :{PASSWORD}").params[1] == "PASSWORD_REQUIRED"
    lee.send("PASS letmein")
    assert register(lee, f"REGISTER * * :{PASSWORD}").params[0] == "SUCCESS"


def test_smtp_with_starttls_and_a_login(
    make_server: Callable[..., ThreadServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert, key = ensure_certificate(tmp_path / "smtp", "mail.test")
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the sink's certificate is trusted here
    with SmtpSink(tls=(cert, key), login=("parley", "smtp secret")) as tls_sink:
        server = make_server(
            registration=Registration(email_required=True),
            mail=MailConfig(
                smtp_host="127.0.0.1",
                smtp_port=tls_sink.port,
                smtp_starttls=True,
                smtp_username="parley",
                smtp_password="smtp secret",
            ),
        )
        kay = IrcClient(server.port)
        kay.register("kay")
        answer = register(kay, f"REGISTER * kay@example.org :{PASSWORD}")
        assert answer.params[:2] == ("VERIFICATION_REQUIRED", "kay")
        assert tls_sink.logins == ["parley"]
        kay.send(f"VERIFY kay {code_in(tls_sink.messages[0], 'kay')}")
        assert kay.expect("VERIFY").params[:2] == ("SUCCESS", "kay")


def test_a_server_without_starttls_never_gets_the_code_in_the_clear(
    make_server: Callable[..., ThreadServer], sink: SmtpSink, caplog: pytest.LogCaptureFixture
) -> None:
    server = make_server(
        registration=Registration(email_required=True),
        mail=MailConfig(smtp_host="127.0.0.1", smtp_port=sink.port, smtp_starttls=True),
    )
    lou = IrcClient(server.port)
    lou.register("lou")
    answer = register(lou, f"REGISTER * lou@example.org :{PASSWORD}")
    assert answer.params[:2] == ("REGISTER", "TEMPORARILY_UNAVAILABLE")
    assert sink.messages == []
    wait_until(lambda: "STARTTLS" in caplog.text, what="the log line")
