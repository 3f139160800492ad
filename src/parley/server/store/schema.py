"""The data dir's SQLite database: opening it, and its versioned migrations.

PRAGMA user_version is the schema version. Opening an older database upgrades
it step by step; a newer one (from a later Parley) is refused with a clear
message, and so is a file that is not a database: nothing is replaced.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from parley.server.store.files import new_private_file, private_database

DB_NAME = "parley.db"
CHECK_ROWS = 5  # problems quick_check reports at most
CHECK_TEXT = 400  # characters of them in the error


class StoreError(Exception):
    """The database cannot be used (newer schema, corrupt file...), or a write failed."""


@contextmanager
def writing(what: str) -> Iterator[None]:
    """A write's failure (a full disk, a lock held too long) as StoreError, so that the
    caller can say what was not saved instead of failing with SQLite's exception."""
    try:
        yield
    except sqlite3.Error as exc:
        raise StoreError(f"{what} could not be saved: {exc}") from None


# Each entry takes the database from version i to i + 1.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE IF NOT EXISTS accounts (
        folded TEXT PRIMARY KEY, name TEXT NOT NULL,
        password_hash TEXT NOT NULL, created REAL NOT NULL);
    """,
    """
    CREATE TABLE IF NOT EXISTS history (
        id INTEGER PRIMARY KEY,
        msgid TEXT NOT NULL,
        time REAL NOT NULL,
        conversation TEXT NOT NULL,
        target TEXT NOT NULL,
        source TEXT NOT NULL,
        account TEXT,
        command TEXT NOT NULL,
        text TEXT NOT NULL,
        tags TEXT NOT NULL,
        sender TEXT NOT NULL,
        recipient TEXT NOT NULL,
        recipient_account TEXT);
    CREATE INDEX IF NOT EXISTS history_by_conversation ON history (conversation, time);
    CREATE INDEX IF NOT EXISTS history_by_msgid ON history (msgid);
    """,
    """
    CREATE TABLE IF NOT EXISTS account_state (
        folded TEXT PRIMARY KEY, channels TEXT NOT NULL, last_seen REAL NOT NULL);
    CREATE INDEX IF NOT EXISTS history_by_recipient_account
        ON history (recipient_account, time);
    """,
    """
    ALTER TABLE accounts ADD COLUMN scram TEXT;
    """,
    """
    ALTER TABLE accounts ADD COLUMN history_opt_out INTEGER NOT NULL DEFAULT 0;
    """,
    """
    CREATE TABLE IF NOT EXISTS bans (
        mask TEXT PRIMARY KEY, reason TEXT NOT NULL, set_by TEXT NOT NULL,
        set_at REAL NOT NULL, expires REAL);
    """,
    # A count of changes to the set of account names, whoever makes them (the
    # server, `parley-server create-account`, a hand edit): the server keeps the
    # names in memory and reloads them when this has moved.
    """
    CREATE TABLE IF NOT EXISTS account_changes (n INTEGER NOT NULL);
    INSERT INTO account_changes (n) VALUES (0);
    CREATE TRIGGER IF NOT EXISTS account_added AFTER INSERT ON accounts
        BEGIN UPDATE account_changes SET n = n + 1; END;
    CREATE TRIGGER IF NOT EXISTS account_removed AFTER DELETE ON accounts
        BEGIN UPDATE account_changes SET n = n + 1; END;
    CREATE TRIGGER IF NOT EXISTS account_renamed AFTER UPDATE OF folded ON accounts
        BEGIN UPDATE account_changes SET n = n + 1; END;
    """,
    # Private messages between users without accounts belong to the connections
    # that exchanged them (Client.uid), not to the nicks, which others take later.
    """
    ALTER TABLE history ADD COLUMN sender_uid TEXT;
    ALTER TABLE history ADD COLUMN recipient_uid TEXT;
    """,
    # A channel line is read later only by those who could read it then
    # (docs/privacy.md): anyone if the channel was public, else its members of the
    # moment. Lines record the channel's incarnation and whether it was public;
    # accounts' stays in each incarnation are kept as intervals, one row a stay
    # (not one list a line). Lines stored before this carry neither: no one reads
    # them back, as who could read them then is not known. A conversation's lines
    # are indexed by publicity, then time: the public ones, and those of a stay,
    # are each a range of the index.
    """
    ALTER TABLE history ADD COLUMN incarnation TEXT;
    ALTER TABLE history ADD COLUMN public INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE IF NOT EXISTS channel_members (
        channel TEXT NOT NULL, incarnation TEXT NOT NULL, account TEXT NOT NULL,
        joined REAL NOT NULL, left REAL NOT NULL);
    CREATE INDEX IF NOT EXISTS channel_members_by_account
        ON channel_members (account, incarnation, joined);
    CREATE INDEX IF NOT EXISTS channel_members_by_channel
        ON channel_members (account, channel, joined);
    DROP INDEX IF EXISTS history_by_conversation;
    CREATE INDEX IF NOT EXISTS history_by_visibility ON history (conversation, public, time);
    """,
    # Deleting an account, whoever does it (NickServ DROP, `delete-account`, a hand
    # edit), deletes or detaches all it leaves behind, so that the next owner of the
    # name inherits nothing: its presence and stays in channels go; its private
    # lines lose the account on both sides (the other side of a conversation keeps
    # its own). Channel lines keep the name they were said under: who may read
    # them does not depend on it. Presence and stays saved after the deletion are
    # dropped as they land; the running server detaches the private lines still on
    # their way to the disk when it notices the deletion, listed here (it also logs
    # out its sessions then). Private lines are indexed by each side's identity
    # (account, or connection), so that a reader's side of a conversation is a few
    # ranges of an index, and an account's lines are found at once; channel lines,
    # the bulk of the traffic, cost no index update for it.
    """
    CREATE INDEX IF NOT EXISTS accounts_by_name ON accounts (name);
    CREATE INDEX IF NOT EXISTS private_history_by_sender
        ON history (coalesce(account, sender_uid), conversation, time)
        WHERE incarnation IS NULL;
    CREATE INDEX IF NOT EXISTS private_history_by_recipient
        ON history (coalesce(recipient_account, recipient_uid), conversation, time)
        WHERE incarnation IS NULL;
    CREATE TABLE IF NOT EXISTS account_deletions (
        id INTEGER PRIMARY KEY, name TEXT NOT NULL, at REAL NOT NULL);
    CREATE TRIGGER IF NOT EXISTS account_deleted AFTER DELETE ON accounts BEGIN
        UPDATE history SET account = NULL, sender_uid = NULL
            WHERE coalesce(account, sender_uid) = OLD.name AND account = OLD.name
            AND incarnation IS NULL;
        UPDATE history SET recipient_account = NULL, recipient_uid = NULL
            WHERE recipient_account = OLD.name;
        DELETE FROM account_state WHERE folded = OLD.folded;
        DELETE FROM channel_members WHERE account = OLD.name;
        INSERT INTO account_deletions (name, at)
            VALUES (OLD.name, (julianday('now') - 2440587.5) * 86400.0);
    END;
    CREATE TRIGGER IF NOT EXISTS stay_of_deleted AFTER INSERT ON channel_members
        WHEN NOT EXISTS (SELECT 1 FROM accounts WHERE name = NEW.account) BEGIN
        DELETE FROM channel_members WHERE rowid = NEW.rowid;
    END;
    CREATE TRIGGER IF NOT EXISTS presence_of_deleted AFTER INSERT ON account_state
        WHEN NOT EXISTS (SELECT 1 FROM accounts WHERE folded = NEW.folded) BEGIN
        DELETE FROM account_state WHERE folded = NEW.folded;
    END;
    """,
    """
    CREATE TABLE IF NOT EXISTS account_vhosts (folded TEXT PRIMARY KEY, host TEXT NOT NULL);
    CREATE TRIGGER IF NOT EXISTS vhost_of_deleted AFTER DELETE ON accounts BEGIN
        DELETE FROM account_vhosts WHERE folded = OLD.folded;
    END;
    """,
    # IRCv3 metadata set by logged-in users, restored at their next login; it goes
    # with its account, and a row saved after the deletion is dropped as it lands.
    """
    CREATE TABLE IF NOT EXISTS account_metadata (
        folded TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,
        PRIMARY KEY (folded, key));
    CREATE TRIGGER IF NOT EXISTS metadata_of_deleted_account AFTER DELETE ON accounts BEGIN
        DELETE FROM account_metadata WHERE folded = OLD.folded;
    END;
    CREATE TRIGGER IF NOT EXISTS metadata_of_deleted AFTER INSERT ON account_metadata
        WHEN NOT EXISTS (SELECT 1 FROM accounts WHERE folded = NEW.folded) BEGIN
        DELETE FROM account_metadata WHERE rowid = NEW.rowid;
    END;
    """,
    # IRCv3 read markers: how far each account has read in each conversation
    # (channel or nick, folded), in milliseconds since the epoch. They are the
    # account's own: deleting it deletes them, and rows saved after that are dropped.
    """
    CREATE TABLE IF NOT EXISTS read_markers (
        account TEXT NOT NULL, target TEXT NOT NULL, at INTEGER NOT NULL,
        PRIMARY KEY (account, target)) WITHOUT ROWID;
    CREATE TRIGGER IF NOT EXISTS read_markers_of_deleted AFTER DELETE ON accounts BEGIN
        DELETE FROM read_markers WHERE account = OLD.folded;
    END;
    CREATE TRIGGER IF NOT EXISTS read_marker_of_deleted AFTER INSERT ON read_markers
        WHEN NOT EXISTS (SELECT 1 FROM accounts WHERE folded = NEW.account) BEGIN
        DELETE FROM read_markers WHERE account = NEW.account AND target = NEW.target;
    END;
    """,
    # What is not a message (channel events kept for IRCv3 draft/event-playback:
    # JOIN, PART, KICK, QUIT, NICK, MODE, TOPIC; and TAGMSG) is shown only to the
    # clients that ask for it: `kind` 1 marks it, and the index puts it before time,
    # so that both kinds of a conversation's lines are each a range of it and a
    # reader of messages only never reads past events to find them.
    """
    ALTER TABLE history ADD COLUMN kind INTEGER NOT NULL DEFAULT 0;
    UPDATE history SET kind = 1 WHERE command NOT IN ('PRIVMSG', 'NOTICE');
    DROP INDEX IF EXISTS history_by_visibility;
    CREATE INDEX IF NOT EXISTS history_by_kind ON history (conversation, public, kind, time);
    """,
    # Always-on accounts: the setting chosen with NickServ SET ALWAYS-ON (NULL: the
    # server's default), and, while the account is kept online, when a device last
    # used it (NULL: not online as always-on); gone with the account.
    """
    CREATE TABLE IF NOT EXISTS account_always_on (
        folded TEXT PRIMARY KEY, enabled INTEGER, last_used REAL);
    CREATE TRIGGER IF NOT EXISTS always_on_of_deleted_account AFTER DELETE ON accounts BEGIN
        DELETE FROM account_always_on WHERE folded = OLD.folded;
    END;
    CREATE TRIGGER IF NOT EXISTS always_on_of_deleted AFTER INSERT ON account_always_on
        WHEN NOT EXISTS (SELECT 1 FROM accounts WHERE folded = NEW.folded) BEGIN
        DELETE FROM account_always_on WHERE folded = NEW.folded;
    END;
    """,
    # NickServ SET MULTICLIENT: whether another device logging into the account joins
    # the nick already online (1, the default) or is refused it.
    """
    ALTER TABLE accounts ADD COLUMN multiclient INTEGER NOT NULL DEFAULT 1;
    """,
    # Registered channels (ChanServ): founder (folded account), the topic and modes
    # they come back with (list modes as JSON), and the access list by account. A
    # founder's deletion drops its channels' registrations, with their access lists;
    # an account's access entries go with it; rows saved after a deletion are dropped.
    """
    CREATE TABLE IF NOT EXISTS registered_channels (
        folded TEXT PRIMARY KEY, name TEXT NOT NULL, founder TEXT NOT NULL,
        founder_name TEXT NOT NULL, registered REAL NOT NULL, topic TEXT NOT NULL,
        topic_by TEXT NOT NULL, topic_at REAL NOT NULL, modes TEXT NOT NULL, key TEXT,
        lim INTEGER, lists TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS registered_channels_by_founder
        ON registered_channels (founder);
    CREATE TABLE IF NOT EXISTS channel_access (
        channel TEXT NOT NULL, account TEXT NOT NULL, name TEXT NOT NULL,
        level TEXT NOT NULL, PRIMARY KEY (channel, account)) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS channel_access_by_account ON channel_access (account);
    CREATE TRIGGER IF NOT EXISTS registrations_of_deleted_account AFTER DELETE ON accounts
    BEGIN
        DELETE FROM registered_channels WHERE founder = OLD.folded;
        DELETE FROM channel_access WHERE account = OLD.folded;
    END;
    CREATE TRIGGER IF NOT EXISTS access_of_dropped_channel AFTER DELETE ON registered_channels
    BEGIN
        DELETE FROM channel_access WHERE channel = OLD.folded;
    END;
    CREATE TRIGGER IF NOT EXISTS registration_of_deleted AFTER INSERT ON registered_channels
        WHEN NOT EXISTS (SELECT 1 FROM accounts WHERE folded = NEW.founder) BEGIN
        DELETE FROM registered_channels WHERE folded = NEW.folded;
    END;
    CREATE TRIGGER IF NOT EXISTS access_of_deleted AFTER INSERT ON channel_access
        WHEN NOT EXISTS (SELECT 1 FROM accounts WHERE folded = NEW.account) BEGIN
        DELETE FROM channel_access WHERE channel = NEW.channel AND account = NEW.account;
    END;
    """,
    # Files shared through the web listener (soju.im/FILEHOST): `id` names the file in
    # the data dir's files/ and in its URL; gone with the account that uploaded it.
    """
    CREATE TABLE IF NOT EXISTS uploads (
        id TEXT PRIMARY KEY, account TEXT NOT NULL, filename TEXT NOT NULL,
        content_type TEXT NOT NULL, size INTEGER NOT NULL, created REAL NOT NULL,
        sha256 TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS uploads_by_account ON uploads (account, created);
    CREATE INDEX IF NOT EXISTS uploads_by_time ON uploads (created);
    CREATE TRIGGER IF NOT EXISTS uploads_of_deleted_account AFTER DELETE ON accounts BEGIN
        DELETE FROM uploads WHERE account = OLD.folded;
    END;
    CREATE TRIGGER IF NOT EXISTS upload_of_deleted AFTER INSERT ON uploads
        WHEN NOT EXISTS (SELECT 1 FROM accounts WHERE folded = NEW.account) BEGIN
        DELETE FROM uploads WHERE id = NEW.id;
    END;
    """,
    # IRCv3 draft/webpush: a browser's push subscription (its endpoint is its name: one
    # registered again moves to the account that registers it), gone with the account.
    """
    CREATE TABLE IF NOT EXISTS push_subscriptions (
        endpoint TEXT PRIMARY KEY, account TEXT NOT NULL,
        p256dh TEXT NOT NULL, auth TEXT NOT NULL, created REAL NOT NULL);
    CREATE INDEX IF NOT EXISTS push_by_account ON push_subscriptions (account);
    CREATE TRIGGER IF NOT EXISTS push_of_deleted_account AFTER DELETE ON accounts BEGIN
        DELETE FROM push_subscriptions WHERE account = OLD.folded;
    END;
    CREATE TRIGGER IF NOT EXISTS push_of_deleted AFTER INSERT ON push_subscriptions
        WHEN NOT EXISTS (SELECT 1 FROM accounts WHERE folded = NEW.account) BEGIN
        DELETE FROM push_subscriptions WHERE endpoint = NEW.endpoint;
    END;
    """,
    # Searching history (SEARCH, HistServ): an FTS5 index of the messages' text (not
    # of events), in step with `history`: the writer indexes the lines it adds in
    # the transaction that adds them, a few hundred at once (a trigger a row costs
    # five times as much); a line deleted (redacted, expired, trimmed, by hand)
    # leaves the index in the same transaction, by trigger. The lines already stored are indexed
    # here. Who may find a line is decided as for reading it (docs/privacy.md).
    """
    CREATE VIRTUAL TABLE IF NOT EXISTS history_text USING fts5(
        text, content='history', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2');
    INSERT INTO history_text (rowid, text) SELECT id, text FROM history WHERE kind = 0;
    CREATE TRIGGER IF NOT EXISTS history_text_removed AFTER DELETE ON history
        WHEN OLD.kind = 0 BEGIN
        INSERT INTO history_text (history_text, rowid, text) VALUES ('delete', OLD.id, OLD.text);
    END;
    CREATE TRIGGER IF NOT EXISTS history_text_changed AFTER UPDATE OF id, text, kind ON history
        BEGIN
        INSERT INTO history_text (history_text, rowid, text)
            SELECT 'delete', OLD.id, OLD.text WHERE OLD.kind = 0;
        INSERT INTO history_text (rowid, text) SELECT NEW.id, NEW.text WHERE NEW.kind = 0;
    END;
    """,
    # Nodes of a cluster make each other's writes, some twice (a peer's records read
    # again after a reconnect): a line is stored once by (msgid, conversation) and a
    # stay once, the second write ignored. (One message's msgid is the same in each
    # channel a QUIT or NICK is kept in: unique within a conversation, not across.)
    # The unique indexes replace the plain ones that began with the same columns.
    """
    DELETE FROM history WHERE id NOT IN (SELECT min(id) FROM history GROUP BY msgid, conversation);
    DROP INDEX IF EXISTS history_by_msgid;
    CREATE UNIQUE INDEX IF NOT EXISTS history_once ON history (msgid, conversation);
    DELETE FROM channel_members WHERE rowid NOT IN (SELECT min(rowid) FROM channel_members
        GROUP BY account, incarnation, joined, left);
    DROP INDEX IF EXISTS channel_members_by_account;
    CREATE UNIQUE INDEX IF NOT EXISTS stays_once
        ON channel_members (account, incarnation, joined, left);
    """,
)
VERSION = len(MIGRATIONS)


def connect(path: Path, synchronous: str = "FULL") -> sqlite3.Connection:
    """A connection in WAL mode, the schema brought up to date; the files 0600."""
    if not Path(path).exists():
        new_private_file(Path(path))
    try:
        db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute(f"PRAGMA synchronous={synchronous}")
        db.execute("PRAGMA busy_timeout=5000")
        _migrate(db, path)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path}: {exc} (the file is left as it is)") from None
    private_database(path)
    return db


def check(path: Path) -> float:
    """PRAGMA quick_check of the database, if there is one; the seconds it took.

    Damaged pages (or a file SQLite cannot read) raise StoreError: the server
    does not start on them, and the file is left as it is. The connection is
    read-only, so nothing (not even a checkpoint on close) is written.
    It reads every page: about 2 s for 800 MB in the page cache, 20 s from disk.
    """
    if not Path(path).is_file() or Path(path).stat().st_size == 0:
        return 0.0
    started = time.monotonic()
    try:
        db = sqlite3.connect(f"{Path(path).absolute().as_uri()}?mode=ro", uri=True)
        try:
            problems = [str(row[0]) for row in db.execute(f"PRAGMA quick_check({CHECK_ROWS})")]
        finally:
            db.close()
    except sqlite3.OperationalError as exc:  # cannot be opened or read (permissions, locks)
        raise StoreError(f"{path}: {exc} (the file is left as it is)") from None
    except sqlite3.DatabaseError as exc:  # malformed, or not a database at all
        problems = [str(exc)]
    if problems != ["ok"]:
        found = "; ".join(line for p in problems for line in p.splitlines()[:CHECK_ROWS])
        raise StoreError(
            f"{path} is damaged (PRAGMA quick_check: {found[:CHECK_TEXT]}); it is not used and"
            " left as it is: restore a backup, or save what can be read with the sqlite3"
            " shell's .recover, and start again"
        )
    return time.monotonic() - started


def statements(script: str) -> list[str]:
    """A migration's statements, one by one (a trigger's body holds semicolons of its own)."""
    found: list[str] = []
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                found.append(pending.strip())
            pending = ""
    return found


def _migrate(db: sqlite3.Connection, path: Path) -> None:
    db.execute("BEGIN IMMEDIATE")  # one process migrates at a time
    try:
        (version,) = db.execute("PRAGMA user_version").fetchone()
        if version > VERSION:
            raise StoreError(
                f"{path} was written by a newer Parley (schema {version}; this one knows "
                f"up to {VERSION}): upgrade Parley, or use another data dir"
            )
        for step in range(version, VERSION):
            for statement in statements(MIGRATIONS[step]):
                db.execute(statement)
            db.execute(f"PRAGMA user_version={step + 1}")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
