"""Secrets from files and the environment: keys, precedence, and clear one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from parley.server.cli import main, parser
from parley.server.config import Config
from parley.server.configfile import ConfigError, build_config
from parley.server.passwords import verify_password


def load(tmp_path: Path, *flags: str, env: dict[str, str] | None = None,
         toml: str | None = None, warned: list[str] | None = None) -> Config:  # fmt: skip
    argv = ["--data-dir", str(tmp_path / "data"), *flags]
    if toml is not None:
        (tmp_path / "parley.toml").write_text(toml)
        argv += ["--config", str(tmp_path / "parley.toml")]
    warn = warned.append if warned is not None else None
    return build_config(parser().parse_args(argv), env=env or {}, warn=warn)


def secret(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(0o600)
    return path


def test_config_keys_name_files_relative_to_the_config(tmp_path: Path) -> None:
    secret(tmp_path / "pass.txt", "from-a-file\nignored second line\n")
    secret(tmp_path / "opers.txt", "# operators\n\nboss:first:with:colons\nhelper:second\n")
    toml = 'password_file = "pass.txt"\noper_file = "opers.txt"\n'
    config = load(tmp_path, toml=toml)
    assert config.password == "from-a-file"
    opers = {oper.name: oper for oper in config.opers}
    assert verify_password(opers["boss"].password_hash, "first:with:colons")
    assert verify_password(opers["helper"].password_hash, "second")


def test_the_environment_then_flags_win_over_the_file(tmp_path: Path) -> None:
    toml = 'password = "from-toml"\n[[oper]]\nname = "boss"\npassword = "toml-oper"\n'
    env = {"PARLEY_PASSWORD": "from-env", "PARLEY_OPERS": "boss:env-oper\nother:x"}
    config = load(tmp_path, env=env, toml=toml)
    assert config.password == "from-env"
    opers = {oper.name: oper for oper in config.opers}
    assert verify_password(opers["boss"].password_hash, "env-oper") and "other" in opers
    secret(tmp_path / "p", "from-flag-file")
    assert load(tmp_path, "--password-file", str(tmp_path / "p"), env=env).password == (
        "from-flag-file"
    )


@pytest.mark.parametrize(
    ("flags", "env", "toml", "message"),
    [
        (("--password-file", "MISSING"), {}, None, "--password-file: cannot read"),
        (("--password-file", "EMPTY"), {}, None, "--password-file: the password is empty"),
        (("--password-file", "EMPTY", "--password", "x"), {}, None, "not both"),
        (("--oper-file", "BAD"), {}, None, "--oper-file: expected NAME:PASSWORD"),
        ((), {"PARLEY_OPERS": "no-colon"}, None, "PARLEY_OPERS: expected NAME:PASSWORD"),
        ((), {}, 'password = "a"\npassword_file = "b"\n', "not both"),
        ((), {}, "password_file = 3\n", "password_file: expected a string"),
    ],
)
def test_unusable_secrets_are_one_line_errors(
    tmp_path: Path, flags: tuple[str, ...], env: dict[str, str], toml: str | None, message: str
) -> None:
    secret(tmp_path / "EMPTY", "\n")
    secret(tmp_path / "BAD", "no colon here\n")
    flags = tuple(str(tmp_path / f) if f.isupper() else f for f in flags)
    with pytest.raises(ConfigError, match=message):
        load(tmp_path, *flags, env=env, toml=toml)


def test_a_secrets_file_others_can_read_is_warned_of(tmp_path: Path) -> None:
    path = tmp_path / "pass.txt"
    path.write_text("open-to-all")
    path.chmod(0o644)
    warned: list[str] = []
    assert load(tmp_path, "--password-file", str(path), warned=warned).password == "open-to-all"
    assert warned == [f"--password-file: {path} is readable by other users; chmod 600 it"]


def test_cli_warns_of_secrets_in_flags_and_errors_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = str(tmp_path / "data")
    assert (
        main(["--data-dir", data, "--password-file", str(tmp_path / "nope"), "list-accounts"]) == 2
    )
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--password-file: cannot read" in err
    assert main(["--data-dir", data, "--password", "shown", "list-accounts"]) == 0
    assert "warning: --password is visible to every local user" in capsys.readouterr().err
