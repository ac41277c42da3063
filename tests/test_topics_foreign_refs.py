"""Subscribing is for the system's own actors (API 4): a ref of another `ActorSystem` in the
same process is refused with the system to subscribe it in, as `expose` refuses one, and so is
unsubscribing it (which would find nothing here while its subscriptions stay there). Taken,
it would be an actor whose stop this router learns of, and whose publishes it delivers, from
another system: that system's actor would keep this router (and so this shut-down system)
in memory through its stop followers. Remote refs are refused too (`test_nats_remote_refs`)."""

from __future__ import annotations

import pytest

from actorkit import ActorStopped, ActorSystem
from actorkit.testing import ManualClock, Probe


async def test_a_ref_of_another_system_cannot_subscribe_here(clock: ManualClock) -> None:
    async with (
        ActorSystem("here", clock=clock) as here,
        ActorSystem("elsewhere", clock=ManualClock()) as elsewhere,
    ):
        probe = await Probe.spawn(elsewhere)
        with pytest.raises(
            ValueError,
            match=r"belongs to actor system 'elsewhere'; subscribe it there "
            r"\(with its subscribe, or with self.subscribe\(pattern\) inside the actor\)",
        ) as refused:
            here.subscribe(probe.ref, "orders.>")
        assert str(refused.value).startswith(f"{probe.ref.path} belongs to")  # which actor
        assert here.publish("orders.new", "order") == 0
        assert here.dead_letters.by_reason == {"no_subscribers": 1}
        elsewhere.subscribe(probe.ref, "orders.>")  # where it belongs: accepted
        assert elsewhere.publish("orders.new", "order") == 1
        await probe.expect("order")


async def test_a_ref_of_a_shut_down_system_is_a_stopped_actor(clock: ManualClock) -> None:
    """Not "subscribe it there": there is no there any more."""
    gone = ActorSystem("gone", clock=ManualClock())
    async with gone:
        probe = await Probe.spawn(gone)
    async with ActorSystem("here", clock=clock) as here:
        with pytest.raises(ActorStopped, match=r"^/\$\d+ is stopped and cannot subscribe"):
            here.subscribe(probe.ref, "orders.>")


async def test_a_ref_of_another_system_cannot_unsubscribe_here(clock: ManualClock) -> None:
    """Refused as subscribe refuses it, not taken as a no-op: its subscriptions are there."""
    async with (
        ActorSystem("here", clock=clock) as here,
        ActorSystem("elsewhere", clock=ManualClock()) as elsewhere,
    ):
        probe = await Probe.spawn(elsewhere)
        elsewhere.subscribe(probe.ref, "orders.>")
        for pattern in ("orders.>", None):
            with pytest.raises(
                ValueError,
                match=r"belongs to actor system 'elsewhere'; unsubscribe it there "
                r"\(with its unsubscribe, or with self.unsubscribe\(pattern\) inside the actor\)",
            ):
                here.unsubscribe(probe.ref, pattern)
        assert elsewhere.publish("orders.new", "order") == 1
        await probe.expect("order")
        elsewhere.unsubscribe(probe.ref, "orders.>")  # where it belongs: accepted
        assert elsewhere.publish("orders.new", "order") == 0
