"""Snapshots without NATS: what a starting node decides, the copy a node makes of its
database (node-local rows left out, 0600), installing it, and the settings."""

from __future__ import annotations

import gzip
import sqlite3
import stat
from contextlib import closing
from pathlib import Path
from types import SimpleNamespace

import pytest

from parley.server.cluster.link import SEQ_FILE
from parley.server.cluster.snapshots import (
    NODE,
    SCHEMA,
    SEQ,
    TAKEN,
    Found,
    SnapshotError,
    copy_database,
    install,
    newest,
    plan,
)
from parley.server.configfile import ConfigError, read_toml
from parley.server.store.files import private_dir
from parley.server.store.schema import DB_NAME, VERSION, connect


def snap(seq: int, schema: int = VERSION, node: str = "n1") -> Found:
    return Found("db." + node, node, seq, schema, 1.0)


def test_a_new_node_restores_the_snapshot_when_there_is_one() -> None:
    assert plan(False, 0, 1, 500, snap(400)) is True
    assert plan(False, 0, 401, 500, snap(400)) is True  # the stream goes on right after it
    assert plan(False, 0, 0, 0, None) is False  # a new cluster: nothing to restore
    assert plan(False, 0, 1, 500, None) is False  # a young one: the whole stream is there
    assert plan(False, 0, 1, 500, snap(0, VERSION - 1)) is True  # older: migrated at open


def test_a_new_node_does_not_start_with_records_missing() -> None:
    with pytest.raises(SnapshotError, match="no snapshot to start from"):
        plan(False, 0, 300, 500, None)
    with pytest.raises(SnapshotError, match=r"snapshot \(from n1, up to 100\) is older"):
        plan(False, 0, 300, 500, snap(100))
    with pytest.raises(SnapshotError, match=rf"newer Parley \(schema {VERSION + 1}"):
        plan(False, 0, 1, 500, snap(400, VERSION + 1))


def test_a_node_with_its_database_goes_on_from_its_sequence() -> None:
    assert plan(True, 499, 1, 500, snap(400)) is False
    assert plan(True, 120, 121, 500, snap(400)) is False  # just what it needs is kept
    assert plan(True, 500, 501, 500, None) is False  # every record expired, all applied
    assert plan(True, 900, 1, 20, snap(400)) is False  # a new stream: read from its start
    assert plan(True, 0, 0, 0, None) is False


def test_a_node_away_too_long_is_told_to_move_its_database_away() -> None:
    with pytest.raises(SnapshotError, match=r"(?s)applied the stream up to 100.*begins at 300"
                       r".*Move the database away.*Files shared through this node"):  # fmt: skip
        plan(True, 100, 300, 500, snap(400))
    with pytest.raises(SnapshotError, match="once a running node has taken one"):
        plan(True, 100, 300, 500, None)


def test_the_newest_snapshot_is_the_one_that_holds_the_most() -> None:
    def info(name: str, headers: object) -> SimpleNamespace:
        return SimpleNamespace(name=name, headers=headers)

    def headers(seq: int, taken: float) -> dict[str, list[str]]:
        return {SEQ: [str(seq)], SCHEMA: [str(VERSION)], NODE: ["n"], TAKEN: [str(taken)]}

    infos = [
        info("a", headers(10, 5.0)),
        info("b", headers(30, 1.0)),
        info("c", headers(30, 2.0)),
        info("odd", {SEQ: ["x"]}),  # not ours: ignored
        info("none", None),
    ]
    latest = newest(infos)
    assert latest is not None and latest.name == "c"
    assert newest([]) is None and newest(infos[3:]) is None


def make_database(path: Path) -> None:
    with closing(connect(path)) as db:
        db.execute("INSERT INTO accounts (folded, name, password_hash, created)"
                   " VALUES ('ann', 'ann', 'x', 1.0)")  # fmt: skip
        db.execute("INSERT INTO uploads VALUES ('f1', 'ann', 'a.png', 'image/png', 3, 1.0, 'h')")
        db.execute(
            "INSERT INTO push_subscriptions VALUES (?, 'ann', 'p', 'auth-secret', 1.0)",
            ("https://push.example/secret-endpoint",),
        )


def test_a_copy_leaves_out_this_nodes_own_rows_and_installs_private(tmp_path: Path) -> None:
    source, target = tmp_path / "a", tmp_path / "b"
    private_dir(source)
    private_dir(target)
    make_database(source / DB_NAME)
    packed, schema = copy_database(source / DB_NAME, source)
    assert schema == VERSION
    assert stat.S_IMODE(packed.stat().st_mode) == 0o600
    raw = gzip.decompress(packed.read_bytes())
    assert raw.startswith(b"SQLite format 3\0")
    assert b"secret-endpoint" not in raw and b"auth-secret" not in raw  # not even free pages
    assert not (source / "snapshot.db.part").exists()
    (target / f"{DB_NAME}-wal").write_bytes(b"left by a wiped database")
    install(packed, target, 42)
    db_path = target / DB_NAME
    assert stat.S_IMODE(db_path.stat().st_mode) == 0o600
    assert stat.S_IMODE((target / SEQ_FILE).stat().st_mode) == 0o600
    assert (target / SEQ_FILE).read_text() == "42\n"
    assert not (target / f"{DB_NAME}-wal").exists()
    with closing(connect(db_path)) as db:
        assert db.execute("SELECT name FROM accounts").fetchall() == [("ann",)]
        assert db.execute("SELECT count(*) FROM uploads").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM push_subscriptions").fetchone() == (0,)
    with closing(sqlite3.connect(source / DB_NAME)) as db:  # the node's own keeps them
        assert db.execute("SELECT count(*) FROM uploads").fetchone() == (1,)


def test_a_damaged_snapshot_is_not_installed(tmp_path: Path) -> None:
    private_dir(tmp_path)
    packed = tmp_path / "bad.gz"
    packed.write_bytes(gzip.compress(b"SQLite format 3\0" + b"\xff" * 5000))
    with pytest.raises(SnapshotError, match="snapshot is damaged"):
        install(packed, tmp_path, 7)
    packed.write_bytes(b"not even gzip")
    with pytest.raises(SnapshotError, match="could not be restored"):
        install(packed, tmp_path, 7)
    assert not (tmp_path / DB_NAME).exists() and not (tmp_path / SEQ_FILE).exists()
    assert [p.name for p in tmp_path.iterdir()] == ["bad.gz"]


def test_snapshot_settings(tmp_path: Path) -> None:
    path = tmp_path / "parley.toml"
    path.write_text("[cluster]\nsnapshot_every = 600\nkeep_days = 2\n")
    cluster = read_toml(path)["cluster"]
    assert (cluster.snapshot_every, cluster.keep_days) == (600.0, 2.0)
    for text, error in [
        ("snapshot_every = 0", "more than 0"),
        ("snapshot_every = 90000", "at most a day"),
        ('keep_days = "7"', "keep_days"),
        ("keep_days = 0.01", "at most half of keep_days"),  # an hour's snapshots, 14 min kept
    ]:
        path.write_text(f"[cluster]\n{text}\n")
        with pytest.raises(ConfigError, match=error):
            read_toml(path)
