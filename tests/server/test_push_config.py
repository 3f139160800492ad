"""Web Push settings: the [push] table and its limits, refused with the key named."""

from __future__ import annotations

from pathlib import Path

import pytest

from parley.server.config import Push
from parley.server.configfile import ConfigError
from support.configs import load


def test_on_by_default_for_https_on_443_to_public_hosts_only(tmp_path: Path) -> None:
    push = load(tmp_path, None).push
    assert push == Push() and push.enabled and not push.allow_private_endpoints
    assert push.ports == (443,) and push.vapid_key == ""


def test_the_file_sets_each_key(tmp_path: Path) -> None:
    toml = (
        "[push]\nenabled = false\nallow_private_endpoints = true\nports = [443, 8443]\n"
        'ttl = 60\ncontact = "mailto:ops@example.org"\n'
        "[limits]\npush_subscriptions_per_account = 2\npushes_per_account_minute = 5\n"
    )
    config = load(tmp_path, toml)
    assert config.push == Push(False, True, (443, 8443), 60, "mailto:ops@example.org")
    assert config.limits.push_subscriptions_per_account == 2
    assert config.limits.pushes_per_account_minute == 5


@pytest.mark.parametrize(
    ("toml", "named"),
    [
        ("[push]\nports = [0]\n", "push.ports"),
        ("[push]\nports = []\n", "push.ports"),
        ('[push]\nports = ["443"]\n', "push.ports"),
        ("[push]\nttl = -1\n", "push.ttl"),
        ('[push]\ncontact = "ops@example.org"\n', "push.contact"),
        ("[push]\nenabled = 1\n", "push.enabled"),
        ('[push]\nvapid_key = "BAAA"\n', "push.vapid_key"),  # not a setting
        ("[limits]\npush_endpoint_length = 0\n", "limits.push_endpoint_length"),
    ],
)
def test_bad_values_are_refused_naming_the_key(tmp_path: Path, toml: str, named: str) -> None:
    with pytest.raises(ConfigError, match=named):
        load(tmp_path, toml)
