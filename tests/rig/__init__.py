"""Test rig: a fake Telegram Bot API server and the people who talk to the bot through it."""

import os


def _bypass_proxy() -> None:
    """Keep HTTP clients (ours and the bot subprocess's) off any configured proxy for loopback."""
    for name in ("NO_PROXY", "no_proxy"):
        hosts = [host for host in os.environ.get(name, "").split(",") if host.strip()]
        hosts += [host for host in ("127.0.0.1", "localhost") if host not in hosts]
        os.environ[name] = ",".join(hosts)


_bypass_proxy()
