"""The web listener's settings: [web] in the file, --web-listen, --websocket, --no-web."""

from __future__ import annotations

from pathlib import Path

import pytest

from parley.server.config import Address, Web
from parley.server.configfile import ConfigError
from support.configs import load


def test_on_by_default_with_tls_on_8097(tmp_path: Path) -> None:
    assert load(tmp_path, None).web == Web(listen=(Address(None, 8097),), tls=True)


def test_the_file_sets_address_tls_and_origins(tmp_path: Path) -> None:
    web = load(
        tmp_path,
        '[web]\nlisten = ["127.0.0.1:9000"]\ntls = false\n'
        'allowed_origins = ["https://chat.example.org", "*"]\n',
    ).web
    assert web == Web((Address("127.0.0.1", 9000),), False, ("https://chat.example.org", "*"))


def test_flags_win_over_the_file(tmp_path: Path) -> None:
    toml = '[web]\nlisten = ["127.0.0.1:9000"]\n'
    assert load(tmp_path, toml, "--no-web").web.listen == ()
    web = load(tmp_path, toml, "--web-listen", "[::1]:9001").web
    assert web.listen == (Address("::1", 9001),) and web.tls
    web = load(tmp_path, toml, "--websocket", "127.0.0.1:9002").web
    assert web.listen == (Address("127.0.0.1", 9002),) and not web.tls


def test_listen_alone_binds_only_what_it_names(tmp_path: Path) -> None:
    assert load(tmp_path, None, "--listen", "127.0.0.1:0").web.listen == ()
    kept = load(tmp_path, '[web]\nlisten = ["127.0.0.1:9000"]\n', "--listen", "127.0.0.1:0")
    assert kept.web.listen == (Address("127.0.0.1", 9000),)


@pytest.mark.parametrize(
    ("toml", "flags", "message"),
    [
        ("[web]\nport = 1\n", (), "web.port: unknown key"),
        ("[web]\nallowed_origins = ['chat.example.org']\n", (), "web.allowed_origins"),
        ("[web]\nallowed_origins = ['https://a/path']\n", (), "web.allowed_origins"),
        ("[web]\ntls = 'yes'\n", (), "web.tls"),
        ("[web]\nlisten = ['nope']\n", (), "web.listen"),
        (None, ("--web-listen", "127.0.0.1:1", "--websocket", "127.0.0.1:2"), "--websocket"),
    ],
)
def test_mistakes_name_their_key(
    tmp_path: Path, toml: str | None, flags: tuple[str, ...], message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        load(tmp_path, toml, *flags)


def test_public_url_from_the_file_or_the_flag(tmp_path: Path) -> None:
    toml = '[web]\npublic_url = "https://chat.example.org:8097/"\n'
    assert load(tmp_path, toml).web.public_url == "https://chat.example.org:8097"
    flag = load(tmp_path, toml, "--web-url", "https://other.example.org")
    assert flag.web.public_url == "https://other.example.org"
    for bad in ("chat.example.org", "ftp://x", "https://a b", "https://x/path"):
        with pytest.raises(ConfigError, match="public_url"):
            load(tmp_path, f'[web]\npublic_url = "{bad}"\n')


def test_upload_limits_may_be_zero_where_that_turns_them_off(tmp_path: Path) -> None:
    toml = "[limits]\nupload_max_bytes = 0\nupload_disk_floor_bytes = 0\n"
    limits = load(tmp_path, toml).limits
    assert limits.upload_max_bytes == 0 and limits.upload_disk_floor_bytes == 0
    with pytest.raises(ConfigError, match="upload_quota_bytes"):
        load(tmp_path, "[limits]\nupload_quota_bytes = 0\n")
