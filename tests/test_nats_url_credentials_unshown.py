"""A server URL may carry credentials (`nats://user:password@host`, `nats://token@host`), which
nats-py takes from it: the errors that name the servers (a name taken, a refusal, no server
reached, a malformed URL), and the demo's banner, name them without those credentials, as
`/healthz` does. They said the password whole, into every traceback and log line that
carried them."""

from __future__ import annotations

import asyncio

import pytest

from actorkit import ActorSystem, NameTaken
from actorkit.nats import NatsTransport

from .cli_support import run_cli
from .nats_support import SAFETY, NatsServer, requires_nats
from .processes import HeldPort

pytestmark = requires_nats

SECRET = "s3cret-pw"


def _unshown(error: BaseException, secret: str, host: str) -> None:
    said = str(error)
    assert secret not in said, said
    assert host in said, said  # the server is still named, its credentials masked


async def test_errors_name_the_servers_without_the_credentials_in_their_urls() -> None:
    guarded = NatsServer("--user", "alice", "--pass", SECRET)
    guarded.start()
    host = f"127.0.0.1:{guarded.port}"
    try:
        url = f"nats://alice:{SECRET}@{host}"
        async with asyncio.timeout(SAFETY), ActorSystem("taken", transport=NatsTransport(url)):
            twin = ActorSystem("taken", transport=NatsTransport(url))
            with pytest.raises(NameTaken) as taken:
                await twin.start()
            _unshown(taken.value, SECRET, host)
            wrong = NatsTransport(f"nats://alice:wrong-{SECRET}@{host}")
            with pytest.raises(ConnectionRefusedError) as refused:
                await ActorSystem("guesser", transport=wrong).start()
            _unshown(refused.value, SECRET, host)
    finally:
        guarded.stop()


async def test_an_unreachable_server_is_named_without_its_token() -> None:
    with HeldPort(shared=False) as nowhere:
        host = f"127.0.0.1:{nowhere.port}"
        lonely = NatsTransport(f"nats://{SECRET}@{host}", connect_timeout=0.3)
        async with asyncio.timeout(SAFETY):
            with pytest.raises(ConnectionError) as failed:
                await ActorSystem("lonely", transport=lonely).start()
        _unshown(failed.value, SECRET, host)


@pytest.mark.parametrize(
    "servers",
    [
        [f"nats://alice:{SECRET}@127.0.0.1:99999"],  # a port out of range
        [f"ws://alice:{SECRET}@127.0.0.1:80", "nats://127.0.0.1:4222"],  # mixed schemes
    ],
    ids=["malformed", "mixed"],
)
def test_a_refused_url_is_echoed_without_its_credentials(servers: list[str]) -> None:
    with pytest.raises(ValueError) as refused:
        NatsTransport(servers)
    _unshown(refused.value, SECRET, "127.0.0.1")


def test_the_demo_names_its_server_without_the_credentials_in_its_url() -> None:
    guarded = NatsServer("--user", "alice", "--pass", SECRET)
    guarded.start()
    host = f"127.0.0.1:{guarded.port}"
    try:
        url = f"nats://alice:{SECRET}@{host}"
        flags = ("--nats", url, "--name", "masked", "--no-http", "--duration", "1")
        result = run_cli("demo", *flags)
        assert result.returncode == 0, result.stderr
        said = result.stdout + result.stderr
        assert f"cluster node masked on nats://***@{host}" in said, said
        assert SECRET not in said
    finally:
        guarded.stop()


@pytest.mark.parametrize("secret", ["token", "password"])
def test_a_secret_utf8_cannot_encode_is_refused_without_being_echoed(secret: str) -> None:
    """What `os.fsdecode` makes of a secret read from the environment with a byte that is not
    UTF-8: refused, in words that do not quote it."""
    with pytest.raises(ValueError, match=f"{secret} must be text UTF-8 can encode") as refused:
        NatsTransport("nats://127.0.0.1:1", **{secret: f"\udcff{SECRET}"})  # type: ignore[arg-type]
    assert SECRET not in str(refused.value)
