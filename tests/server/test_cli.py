"""`parley-server`: flags to a Config handed to app.run; mistakes are one line and exit 2."""

from __future__ import annotations

import io
import subprocess
import sys
import types
from collections.abc import Callable
from pathlib import Path

import pytest

import parley
from parley.server.cli import main
from parley.server.config import Address, Config
from parley.server.passwords import verify_password


class FakeApp:
    """Stands in for parley.server.app so main() is tested without starting a server."""

    def __init__(self) -> None:
        self.configs: list[Config] = []
        self.reload: Callable[[], Config] | None = None

    def run(self, config: Config, reload: Callable[[], Config] | None = None) -> int:
        self.configs.append(config)
        self.reload = reload
        return 0


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> FakeApp:
    fake = FakeApp()
    module = types.ModuleType("parley.server.app")
    module.run = fake.run  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "parley.server.app", module)
    return fake


def _python_m(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "parley.server", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    assert lines[0].startswith("parley-server: error: ")
    return lines[0]


def test_bad_listen_flag_exits_2_with_one_line_and_no_traceback() -> None:
    result = _python_m("--listen", "nonsense")
    assert result.returncode == 2
    assert _one_error_line(result.stderr) == (
        "parley-server: error: --listen: 'nonsense' is not HOST:PORT"
    )


def test_bad_config_file_exits_2_naming_the_key(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("[limits]\nping_timeout = 'soon'\n")
    result = _python_m("--config", str(config), "--data-dir", str(tmp_path / "data"))
    assert result.returncode == 2
    assert "limits.ping_timeout" in _one_error_line(result.stderr)


def test_listen_and_data_dir_run_only_that_listener(tmp_path: Path, app: FakeApp) -> None:
    data_dir = tmp_path / "deep" / "data"
    assert main(["--listen", "127.0.0.1:0", "--data-dir", str(data_dir)]) == 0
    (config,) = app.configs
    assert config.listen == (Address("127.0.0.1", 0),)
    assert config.tls_listen == ()
    assert config.data_dir == data_dir and data_dir.is_dir()


def test_tls_listener_gets_its_certificate_before_the_server_starts(
    tmp_path: Path, app: FakeApp
) -> None:
    argv = ["--listen", "127.0.0.1:0", "--tls-listen", "[::1]:0", "--data-dir", str(tmp_path)]
    assert main(argv) == 0
    assert app.configs[0].tls_listen == (Address("::1", 0),)
    assert (tmp_path / "tls" / "cert.pem").is_file()


def test_a_broken_certificate_is_one_line_not_a_traceback(
    tmp_path: Path, app: FakeApp, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "tls").mkdir()
    (tmp_path / "tls" / "cert.pem").write_text("junk")
    (tmp_path / "tls" / "key.pem").write_text("junk")
    argv = ["--tls-listen", "127.0.0.1:0", "--data-dir", str(tmp_path)]
    assert main(argv) == 2
    assert _one_error_line(capsys.readouterr().err).startswith("parley-server: error: tls: ")
    assert app.configs == []


def test_oper_flag_reaches_the_server_only_as_a_hash(tmp_path: Path, app: FakeApp) -> None:
    argv = ["--no-tls", "--data-dir", str(tmp_path), "--oper", "boss:hunter2"]
    assert main(argv) == 0
    (oper,) = app.configs[0].opers
    assert "hunter2" not in repr(app.configs[0])
    assert verify_password(oper.password_hash, "hunter2")


def test_reload_rereads_the_config_file(tmp_path: Path, app: FakeApp) -> None:
    path = tmp_path / "parley.toml"
    path.write_text('motd = "first"\n')
    assert main(["--config", str(path), "--no-tls", "--data-dir", str(tmp_path)]) == 0
    assert app.configs[0].motd == "first" and app.reload is not None
    path.write_text('motd = "second"\n')
    assert app.reload().motd == "second"


def test_hash_password_reads_stdin_and_prints_a_hash(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("correct horse\n"))
    assert main(["hash-password"]) == 0
    hashed = capsys.readouterr().out.strip()
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "correct horse")


def test_hash_password_refuses_a_password_on_the_command_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["hash-password", "secret"]) == 2
    assert "stdin" in _one_error_line(capsys.readouterr().err)


def test_hash_password_as_a_process() -> None:
    result = _python_m("hash-password", stdin="pw\n")
    assert result.returncode == 0, result.stderr
    assert verify_password(result.stdout.strip(), "pw")


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert parley.__version__ in capsys.readouterr().out


def test_unknown_flag_is_an_argparse_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--colour", "blue"])
    assert exited.value.code == 2
    assert "Traceback" not in capsys.readouterr().err
