"""actorkit over NATS: several actor systems, in several processes or machines, as one.

Install with `pip install actorkit[nats]` (nats-py and msgspec). See docs/distributed.md.

```python
from actorkit.nats import NatsTransport

async with ActorSystem("orders", transport=NatsTransport(["nats://10.0.0.5:4222"])) as system:
    system.expose(await system.spawn(Billing, name="billing"))
    stock = system.remote("warehouse", "/stock")      # a Ref into another system
    await stock.ask(Reserve(sku="x", count=2))
```
"""

from __future__ import annotations

from ._imports import raise_extra_missing

try:
    from ._nats import NatsTransport, RemoteRef
    from ._nats._frames import IncompatibleMessage, RemoteError
except ModuleNotFoundError as _error:
    raise_extra_missing(__name__, "nats", _error)

__all__ = ["IncompatibleMessage", "NatsTransport", "RemoteError", "RemoteRef"]

for _name in __all__:
    globals()[_name].__module__ = __name__
