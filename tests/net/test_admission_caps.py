"""The caps of admission are worked out once per configuration: a new one (a rehash)
counts from the next connection on, as do more descriptors."""

from __future__ import annotations

from dataclasses import replace

from parley.server.config import Limits
from parley.server.net.admission import SERVER_FULL, TOO_MANY_WAITING, Admission


def test_new_limits_apply_to_the_next_connection() -> None:
    admission = Admission()
    admission.descriptors = 10_000
    strict = replace(Limits(), max_connections=2, connection_exempt=(), connections_per_ip=0)
    assert admission.refusal(strict, "192.0.2.1", 1, 0) is None
    assert admission.refusal(strict, "192.0.2.1", 2, 0) == SERVER_FULL
    looser = replace(strict, max_connections=5)
    assert admission.refusal(looser, "192.0.2.1", 2, 0) is None
    waiting = replace(looser, max_unregistered=3)
    assert admission.refusal(waiting, "192.0.2.1", 3, 3) == TOO_MANY_WAITING
    exempt = replace(waiting, connection_exempt=("192.0.2.0/24",))
    assert admission.refusal(exempt, "192.0.2.1", 5, 3) is None  # exempt from both
    assert admission.refusal(exempt, "198.51.100.1", 5, 3) == SERVER_FULL
    assert admission.refusal(strict, "192.0.2.1", 2, 0) == SERVER_FULL  # and back


def test_the_cap_follows_the_descriptors() -> None:
    admission = Admission()
    limits = replace(Limits(), max_connections=0, connection_exempt=(), connections_per_ip=0,
                     max_unregistered=0)  # fmt: skip
    admission.descriptors = 1000
    assert admission.refusal(limits, "192.0.2.1", 900, 0) == SERVER_FULL
    admission.descriptors = 100_000
    assert admission.refusal(limits, "192.0.2.1", 900, 0) is None
