"""docs/privacy.md's rule for channel history, checked against a model of it.

Random runs of joins, parts, kicks, mode changes, messages, reconnections,
logins, logouts and sweeps on the core, by users with and without accounts;
after each step, every member's CHATHISTORY must be exactly what the rule
allows: the lines said while the channel was public, those said while the
reader's account was in that incarnation of the channel (through any of its
clients), and those said during the reader's connection's current stay.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fake import Harness
from hypothesis import example, given, settings
from hypothesis import strategies as st

from parley.irc.modes import ModeChange
from parley.server.core import events as ev
from parley.server.core.session import Session

CHANNEL = "#c"
USERS = ("acct0", "acct1", "anon2", "anon3")  # the first two log into accounts
FLAGS = ("s", "i", "k")


@dataclass
class Line:
    text: str
    public: bool
    accounts: frozenset[str]  # accounts that were members when it was said
    stays: frozenset[int]  # no-account stays (connections' current stays) then


@dataclass
class Model:
    members: dict[str, int] = field(default_factory=dict)  # user -> its stay's id
    accounts: dict[str, str | None] = field(default_factory=dict)  # user -> logged into
    flags: set[str] = field(default_factory=set)
    lines: list[Line] = field(default_factory=list)
    stays: int = 0

    def visible(self, user: str) -> list[str]:
        stay = self.members[user]
        account = self.accounts[user]
        return [
            line.text
            for line in self.lines
            if line.public or (account and account in line.accounts) or stay in line.stays
        ]


class World:
    """The core, and its users' sessions."""

    def __init__(self) -> None:
        self.harness = Harness(lobby=None, limits={"flood_enabled": False})
        self.sessions: dict[str, Session] = {}
        self.model = Model()
        self.said = 0
        for user in USERS:
            self.connect(user)

    def connect(self, user: str) -> None:
        session, conn = self.harness.connect()
        self.harness.say(session, f"NICK {user}", f"USER {user} 0 * :{user}")
        self.sessions[user] = session
        self.model.accounts[user] = None
        if user.startswith("acct"):
            self.log_in(user, user)
        conn.take()

    def log_in(self, user: str, account: str | None) -> None:
        """As the handlers would, with no password to check here (None: log out)."""
        session = self.sessions[user]
        session.account = account
        self.harness.server.state.apply(ev.AccountChanged(user, account), session)
        self.model.accounts[user] = account

    def step(self, action: str, user: str, flag: str) -> None:
        state = self.harness.server.state
        model = self.model
        member = user in model.members
        if action == "join" and not member:
            state.apply(ev.Joined(user, CHANNEL))
            if not model.members:
                model.flags = set()  # a new incarnation (its past: as each line allows)
            model.stays += 1
            model.members[user] = model.stays
        elif action == "leave" and member:
            state.apply(ev.Parted(user, CHANNEL, None))
            del model.members[user]
        elif action == "kick" and member:
            state.apply(ev.Kicked("test.parley", CHANNEL, user, ""))
            del model.members[user]
        elif action == "mode" and model.members:
            adding = flag not in model.flags
            arg = "key" if flag == "k" and adding else None
            change = ModeChange(adding, flag, arg)
            state.apply(ev.ChannelModeChanged("test.parley", CHANNEL, (change,)))
            model.flags ^= {flag}
        elif action == "say" and member:
            self.said += 1
            text = f"line{self.said}"
            self.harness.say(self.sessions[user], f"PRIVMSG {CHANNEL} :{text}")
            accounts = frozenset(a for u in model.members if (a := model.accounts[u]))
            stays = frozenset(model.members.values())  # (each connection reads its own stay)
            model.lines.append(Line(text, not model.flags, accounts, stays))
        elif action == "reconnect":
            self.harness.say(self.sessions[user], "QUIT")
            model.members.pop(user, None)
            self.connect(user)
        elif action == "account":  # log in or out; an anonymous user logs into acct0
            if model.accounts[user] is not None:  # (shared with acct0's own client) or its own
                self.log_in(user, None)
            elif user.startswith("acct"):
                self.log_in(user, user)
            else:
                self.log_in(user, "acct0" if flag == "s" else f"acct-{user}")
        elif action == "sweep":
            self.harness.clock.advance(1.0)
            self.harness.server.sweep()

    def history(self, user: str) -> list[str]:
        session = self.sessions[user]
        session.conn.take()  # type: ignore[attr-defined]  # (what came live before)
        self.harness.say(session, f"CHATHISTORY LATEST {CHANNEL} * 100")
        return [m.params[1] for m in session.conn.take() if m.command == "PRIVMSG"]  # type: ignore[attr-defined]


ACTIONS = st.tuples(
    st.sampled_from(
        ("join", "join", "leave", "kick", "mode", "say", "say", "reconnect", "account", "sweep")
    ),
    st.sampled_from(USERS),
    st.sampled_from(FLAGS),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(ACTIONS, max_size=40))
@example(  # a join in the same millisecond as a closed line
    [("join", "acct1", "s"), ("mode", "acct0", "s"), ("say", "acct1", "s"), ("join", "acct0", "s")]
)
@example(  # an account stays while any of its clients does
    [
        ("join", "acct0", "s"),
        ("join", "anon2", "s"),
        ("account", "anon2", "s"),  # anon2 logs into acct0 too
        ("mode", "acct0", "s"),
        ("leave", "acct0", "s"),
        ("say", "anon2", "s"),
        ("sweep", "acct0", "s"),
        ("join", "acct0", "s"),
    ]
)
def test_every_member_reads_exactly_what_the_rule_allows(
    steps: list[tuple[str, str, str]],
) -> None:
    world = World()
    for action, user, flag in steps:
        world.step(action, user, flag)
        for member in list(world.model.members):
            assert world.history(member) == world.model.visible(member), (member, steps)
