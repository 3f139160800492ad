"""docs/privacy.md's rule for channel history, checked against a model of it.

Random runs of joins, parts, kicks, mode changes, messages, reconnections and
sweeps on the core, by users with and without accounts; after each step, every
member's CHATHISTORY must be exactly what the rule allows: the lines said while
the channel was public, and those said while the reader (its account, or for a
user without one, its connection in its current stay) was a member of that
incarnation of the channel.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fake import Harness
from hypothesis import given, settings
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
    flags: set[str] = field(default_factory=set)
    lines: list[Line] = field(default_factory=list)
    stays: int = 0

    def visible(self, user: str) -> list[str]:
        stay = self.members[user]
        account = user if user.startswith("acct") else None
        return [
            line.text
            for line in self.lines
            if line.public or account in line.accounts or stay in line.stays
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
        if user.startswith("acct"):  # logged in as the handlers would (no password check here)
            session.account = user
            self.harness.server.state.apply(ev.AccountChanged(user, user), session)
        conn.take()
        self.sessions[user] = session

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
            accounts = frozenset(u for u in model.members if u.startswith("acct"))
            stays = frozenset(s for u, s in model.members.items() if not u.startswith("acct"))
            model.lines.append(Line(text, not model.flags, accounts, stays))
        elif action == "reconnect":
            self.harness.say(self.sessions[user], "QUIT")
            model.members.pop(user, None)
            self.connect(user)
        elif action == "sweep":
            self.harness.clock.advance(1.0)
            self.harness.server.sweep()

    def history(self, user: str) -> list[str]:
        session = self.sessions[user]
        session.conn.take()  # type: ignore[attr-defined]  # (what came live before)
        self.harness.say(session, f"CHATHISTORY LATEST {CHANNEL} * 100")
        return [m.params[1] for m in session.conn.take() if m.command == "PRIVMSG"]  # type: ignore[attr-defined]


ACTIONS = st.tuples(
    st.sampled_from(("join", "join", "leave", "kick", "mode", "say", "say", "reconnect", "sweep")),
    st.sampled_from(USERS),
    st.sampled_from(FLAGS),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(ACTIONS, max_size=40))
def test_every_member_reads_exactly_what_the_rule_allows(
    steps: list[tuple[str, str, str]],
) -> None:
    world = World()
    for action, user, flag in steps:
        world.step(action, user, flag)
        for member in list(world.model.members):
            assert world.history(member) == world.model.visible(member), (member, steps)
