"""API.md §1 (threads) and the `run` helper: to_thread, thread_turns, actorkit.run."""

from __future__ import annotations

import hashlib
import threading
from concurrent.futures import ThreadPoolExecutor

import actorkit
from actorkit import Actor, ActorSystem


def digest(data: bytes, *, rounds: int = 1) -> str:
    for _ in range(rounds):
        data = hashlib.sha256(data).digest()
    return data.hex()


class Hasher(Actor):
    async def receive(self, message: object) -> object:
        if isinstance(message, bytes):
            text: str = await actorkit.to_thread(digest, message, rounds=3)
            return text
        return None


def feed(done: threading.Event) -> None:
    done.set()


async def main() -> int:
    async with ActorSystem("threads") as system:
        hasher = await system.spawn(Hasher)
        print(await hasher.ask(b"abc"))
        done = threading.Event()
        with actorkit.thread_turns():
            worker = threading.Thread(target=feed, args=(done,))
            worker.start()
            await actorkit.to_thread(worker.join)
        with ThreadPoolExecutor() as pool:
            future = pool.submit(digest, b"x")
            print(await actorkit.to_thread(future.result, timeout=1.0))
    return 0


if __name__ == "__main__":
    code: int = actorkit.run(main())
    actorkit.run(main(), debug=True, uvloop=False)
    raise SystemExit(code)
