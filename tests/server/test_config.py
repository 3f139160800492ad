"""Config loading: defaults, then the TOML file, then flags; mistakes name their key."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from parley.server.cli import parser
from parley.server.config import DEFAULT_MOTD, Address, Config, Limits
from parley.server.configfile import ConfigError, build_config, parse_address
from parley.server.passwords import hash_password, verify_password
from support.configs import load

REPO = Path(__file__).resolve().parents[2]


def every_key_toml(tmp_path: Path) -> str:
    """A file that sets every key the loader reads, each to something not the default."""
    (tmp_path / "motd.txt").write_text("hello\n")
    (tmp_path / "cert.pem").write_text("cert")
    (tmp_path / "key.pem").write_text("key")
    limits = "\n".join(
        f"{f.name} = {_toml_value(f.name, getattr(Limits(), f.name))}"
        for f in dataclasses.fields(Limits)
    )
    return f"""
server_name = "irc.example.org"
network_name = "ExampleNet"
listen = ["127.0.0.1:7000", "[::1]:7001"]
tls_listen = ["*:7002"]
data_dir = "state"
password = "letmein"
motd = "hi {{server_name}}"
motd_file = "motd.txt"
lobby = "#hall"
lobby_topic = "the hall"
log_level = "DEBUG"

[tls]
cert = "cert.pem"
key = "key.pem"

[[oper]]
name = "alice"
password = "clear words"

[[oper]]
name = "bob"
password = "{hash_password("bobs secret")}"

[limits]
{limits}
"""


def _toml_value(name: str, default: object) -> str:
    """A TOML literal different from the default of Limits field `name`."""
    if isinstance(default, bool):
        return "false"
    if isinstance(default, float):
        return repr(default + 1.5)
    if isinstance(default, tuple):  # addresses and networks
        return '["192.0.2.0/24"]'
    assert isinstance(default, int), name
    return str(default + 1)


def test_a_file_with_every_key_loads(tmp_path: Path) -> None:
    config = load(tmp_path, every_key_toml(tmp_path))
    assert config.server_name == "irc.example.org"
    assert config.network_name == "ExampleNet"
    assert config.listen == (Address("127.0.0.1", 7000), Address("::1", 7001))
    assert config.tls_listen == (Address(None, 7002),)
    assert config.password == "letmein"
    assert config.motd == "hi {server_name}"
    assert config.motd_file == tmp_path / "motd.txt"
    assert (config.lobby, config.lobby_topic) == ("#hall", "the hall")
    assert config.log_level == "debug"
    assert (config.tls_cert, config.tls_key) == (tmp_path / "cert.pem", tmp_path / "key.pem")
    assert [oper.name for oper in config.opers] == ["alice", "bob"]
    assert config.config_file == (tmp_path / "parley.toml").resolve()
    for f in dataclasses.fields(Limits):
        default = getattr(Limits(), f.name)
        value = getattr(config.limits, f.name)
        assert value != default and type(value) is type(default), f.name


def test_relative_paths_in_the_file_are_taken_from_its_folder(tmp_path: Path) -> None:
    path = tmp_path / "etc" / "parley.toml"
    path.parent.mkdir()
    path.write_text('data_dir = "state"\n')
    config = build_config(parser().parse_args(["--config", str(path)]))
    assert config.data_dir == path.parent.resolve() / "state"


def test_the_example_file_shows_the_defaults(tmp_path: Path) -> None:
    example = REPO / "config.example.toml"
    config = build_config(parser().parse_args(["--config", str(example), "--data-dir", "d"]))
    expected = Config(data_dir=Path("d"), config_file=example.resolve())
    assert config == expected


def test_no_file_and_no_flags_gives_the_defaults(tmp_path: Path) -> None:
    config = load(tmp_path, None)
    assert config.listen == (Address(None, 6667),)
    assert config.tls_listen == (Address(None, 6697),)
    assert config.lobby == "#lobby" and config.motd == DEFAULT_MOTD
    assert config.limits == Limits()


def test_flags_override_the_file(tmp_path: Path) -> None:
    toml = 'server_name = "file.example"\nlobby = "#file"\nlisten = ["*:7000"]\n'
    toml += 'tls_listen = ["*:7001"]\nlog_level = "error"\n'
    config = load(
        tmp_path,
        toml,
        *("--server-name", "flag.example", "--lobby", "#flag", "--listen", "127.0.0.1:0"),
        *("--log-level", "debug", "--password", "pw", "--no-flood-limit"),
    )
    assert config.server_name == "flag.example"
    assert config.lobby == "#flag"
    assert config.listen == (Address("127.0.0.1", 0),)
    assert config.tls_listen == (Address(None, 7001),)  # the file's, as --tls-listen is absent
    assert config.log_level == "debug" and config.password == "pw"
    assert config.limits.flood_enabled is False


def test_listen_flag_alone_starts_no_tls_listener(tmp_path: Path) -> None:
    config = load(tmp_path, None, "--listen", "127.0.0.1:0")
    assert config.listen == (Address("127.0.0.1", 0),)
    assert config.tls_listen == ()


def test_no_tls_and_no_lobby_turn_them_off(tmp_path: Path) -> None:
    config = load(tmp_path, 'lobby = "#hall"\n', "--no-tls", "--no-lobby")
    assert config.tls_listen == () and config.lobby is None


def test_empty_strings_in_the_file_turn_things_off(tmp_path: Path) -> None:
    config = load(tmp_path, 'lobby = ""\nmotd = ""\npassword = ""\n')
    assert (config.lobby, config.motd, config.password) == (None, None, None)


def test_clear_oper_password_is_stored_hashed_and_verifies(tmp_path: Path) -> None:
    config = load(tmp_path, None, "--oper", "boss:hunter2:with colon")
    (oper,) = config.opers
    assert oper.name == "boss"
    assert oper.password_hash.startswith("$argon2id$")
    assert "hunter2" not in repr(config)
    assert verify_password(oper.password_hash, "hunter2:with colon")
    assert not verify_password(oper.password_hash, "hunter2")


def test_hashed_oper_password_is_kept_as_given(tmp_path: Path) -> None:
    hashed = hash_password("s3cret")
    config = load(tmp_path, f'[[oper]]\nname = "root"\npassword = "{hashed}"\n')
    assert config.opers[0].password_hash == hashed


def test_oper_flag_replaces_the_files_oper_of_that_name(tmp_path: Path) -> None:
    toml = '[[oper]]\nname = "root"\npassword = "old"\n[[oper]]\nname = "ann"\npassword = "a"\n'
    config = load(tmp_path, toml, "--oper", "root:new")
    opers = {oper.name: oper.password_hash for oper in config.opers}
    assert set(opers) == {"root", "ann"}
    assert verify_password(opers["root"], "new") and not verify_password(opers["root"], "old")


def test_verify_password_is_false_for_malformed_hashes() -> None:
    for hashed in ("", "plain", "$argon2id$", "$argon2id$v=19$m=19456,t=2,p=1$AAAA$", "é$"):
        assert verify_password(hashed, "anything") is False


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("*:6667", Address(None, 6667)),
        (":0", Address(None, 0)),
        ("127.0.0.1:6667", Address("127.0.0.1", 6667)),
        ("[::1]:6697", Address("::1", 6697)),
        ("irc.example.org:65535", Address("irc.example.org", 65535)),
        ("localhost:1", Address("localhost", 1)),
    ],
)
def test_addresses_parse(text: str, address: Address) -> None:
    assert parse_address(text, "listen") == address


@pytest.mark.parametrize(
    "text", ["nonsense", "6667", "host:", "host:65536", "host:-1", "::1:6667", "[::1:80", "a b:1"]
)
def test_bad_addresses_are_refused(text: str) -> None:
    with pytest.raises(ConfigError, match=r"^--listen: "):
        parse_address(text, "--listen")


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ("colour = 'blue'\n", "colour: unknown key"),
        ("server_name = 1\n", "server_name: expected a string"),
        ("server_name = 'no dots'\n", "server_name:"),
        ("server_name = 'nodot'\n", "server_name:"),
        ("network_name = 'two words'\n", "network_name:"),
        ('server_description = "two\\nlines"\n', "server_description:"),
        ("server_description = '" + "x" * 201 + "'\n", "server_description:"),
        ("listen = '*:6667'\n", "listen: expected a list"),
        ("listen = [6667]\n", "listen: expected a string"),
        ("listen = ['*:70000']\n", "listen: '*:70000'"),
        ("tls_listen = ['nonsense']\n", "tls_listen: 'nonsense'"),
        ("lobby = 'hall'\n", "lobby:"),
        ("lobby_topic = '" + "x" * 400 + "'\n", "lobby_topic:"),
        ("log_level = 'loud'\n", "log_level:"),
        ("motd_file = 'missing.txt'\n", "motd_file:"),
        ("data_dir = 3\n", "data_dir: expected a string"),
        ("[limits]\nflood_brust = 3\n", "limits.flood_brust: unknown key"),
        ("[limits]\nnick_length = '30'\n", "limits.nick_length: expected an integer"),
        ("[limits]\nnick_length = true\n", "limits.nick_length: expected an integer"),
        ("[limits]\nnick_length = 1.5\n", "limits.nick_length: expected an integer"),
        ("[limits]\nflood_rate = true\n", "limits.flood_rate: expected an integer or a number"),
        ("[limits]\nflood_enabled = 1\n", "limits.flood_enabled: expected true or false"),
        ("[limits]\nsendq_bytes = -1\n", "limits.sendq_bytes: must be above 0"),
        ("[limits]\nping_timeout = 0\n", "limits.ping_timeout: must be above 0"),
        ("[limits]\nconnections_per_ip = -1\n", "limits.connections_per_ip: must be 0 or more"),
        ("limits = 3\n", "limits: expected a table"),
        ("[tls]\ncert = 'c.pem'\n", "tls: give both"),
        ("[tls]\nchain = 'c.pem'\n", "tls.chain: unknown key"),
        ("oper = [1]\n", "oper: expected a table"),
        ("[[oper]]\nname = 'a'\n", "oper.password: expected a string"),
        ("[[oper]]\nname = 'a'\npassword = 'b'\nlevel = 1\n", "oper.level: unknown key"),
        ("[[oper]]\nname = 'a b'\npassword = 'b'\n", "oper: 'a b' is not an operator name"),
        ("[[oper]]\nname = 'a'\npassword = '$argon2id$junk'\n", "oper: the password hash"),
        ("[[oper]]\nname='a'\npassword='b'\n[[oper]]\nname='a'\npassword='c'\n", "oper.name:"),
        ("listen = []\ntls_listen = []\n", "listen: no listener"),
        ("[history]\nqueue_low = 5000\n", "history: needs 0 < queue_low < queue_high"),
        ("[history]\nqueue_max = 100\n", "history: needs 0 < queue_low < queue_high"),
        (
            "[limits]\nmultiline_max_lines = 500\nsendq_bytes = 65536\n",
            "limits.multiline_max_lines: a batch",
        ),
        ("[limits]\nmultiline_max_bytes = 0\n", "limits.multiline_max_bytes: must be above 0"),
    ],
)
def test_mistakes_name_the_key(tmp_path: Path, toml: str, key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, toml)
    message = str(caught.value)
    assert message.startswith(key), message
    assert "\n" not in message


def test_a_file_that_is_not_toml_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"parley\.toml: "):
        load(tmp_path, "server_name = \n")
    (tmp_path / "binary.toml").write_bytes(b"\xff\xfe\x00")
    args = parser().parse_args(["--config", str(tmp_path / "binary.toml")])
    with pytest.raises(ConfigError, match="not a UTF-8 text file"):
        build_config(args)
    with pytest.raises(ConfigError, match=r"missing\.toml"):
        build_config(parser().parse_args(["--config", str(tmp_path / "missing.toml")]))


def test_bad_flags_name_the_flag(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^--oper: expected NAME:PASSWORD"):
        load(tmp_path, None, "--oper", "nocolon")
    with pytest.raises(ConfigError, match=r"^--tls-listen: "):
        load(tmp_path, None, "--tls-listen", "x")
    with pytest.raises(ConfigError, match=r"^lobby: "):
        load(tmp_path, None, "--lobby", "nohash")
