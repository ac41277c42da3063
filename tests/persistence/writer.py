"""A writer in its own process, for the fencing tests: `python -m tests.persistence.writer URL
PID COUNT TAG` appends COUNT pairs of events `TAG:i`, each with the sequence number it just
read, and prints how many pairs it wrote and how many conflicts it met, as JSON.
`--expected N` makes one append with expected sequence number N and prints `ok` or `conflict`.
"""

from __future__ import annotations

import argparse
import asyncio
import json

from actorkit.persistence import PersistenceConflict
from actorkit.persistence._url import store_from_url


async def storm(url: str, pid: str, count: int, tag: str) -> dict[str, int]:
    written = conflicts = 0
    async with store_from_url(url) as store:
        for i in range(count):
            payload = f"{tag}:{i}".encode()
            try:
                await store.append(pid, await store.highest_seq(pid), [payload, payload])
            except PersistenceConflict:
                conflicts += 1
            else:
                written += 1
    return {"written": written, "conflicts": conflicts}


async def once(url: str, pid: str, expected: int, tag: str) -> str:
    async with store_from_url(url) as store:
        try:
            await store.append(pid, expected, [tag.encode()])
        except PersistenceConflict:
            return "conflict"
    return "ok"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("pid")
    parser.add_argument("count", type=int)
    parser.add_argument("tag")
    parser.add_argument("--expected", type=int)
    args = parser.parse_args()
    if args.expected is not None:
        print(asyncio.run(once(args.url, args.pid, args.expected, args.tag)))
    else:
        print(json.dumps(asyncio.run(storm(args.url, args.pid, args.count, args.tag))))


if __name__ == "__main__":
    main()
