"""The Savina actor workloads (Imam & Sarkar 2014), each against hand-written asyncio.

`python -m benchmarks --only savina` runs them all (or each by its name); they are never in
the default run. Every workload verifies its own answer on both sides, and every figure has
the target of issue 14: at least the rate of the hand-written version (ratio >= 1.0), and for
the thread ring a cost per hop within 1.3x from 100 to 10,000 actors.

- `pingpong`: ping-pong, ping-pong with a reply timeout per ping (no target), counting,
  fork-join throughput;
- `ring`: thread ring at 100, 1k and 10k actors;
- `big`: 500 actors pinging random peers;
- `spawning`: fork-join creation, fib by a tree of child actors;
- `bank`: transfers by ask-debit and tell-credit over 1,000 accounts;
- `chameneos`: creatures meeting in pairs through a mall;
- `concdict`: workers reading and writing a dictionary actor.

`_pykka` holds the same shapes for `--compare` where Pykka can express them.
"""

from __future__ import annotations

from .._harness import Bench
from .bank import BENCHES as BANK
from .big import BENCHES as BIG
from .chameneos import BENCHES as CHAMENEOS
from .concdict import BENCHES as CONCDICT
from .pingpong import BENCHES as PINGPONG
from .ring import BENCHES as RING
from .spawning import BENCHES as SPAWNING

BENCHES: list[Bench] = [*PINGPONG, *RING, *BIG, *SPAWNING, *BANK, *CHAMENEOS, *CONCDICT]
GROUP = "savina"

__all__ = ["BENCHES", "GROUP"]
