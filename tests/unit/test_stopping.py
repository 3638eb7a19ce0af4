"""Stopping (SIGTERM, Ctrl-C): new commands are turned away, the command and the timer in
flight finish and commit, then the app closes; nothing is cancelled half-way."""

from __future__ import annotations

import asyncio

from bot import commands as c
from tests.conftest import join, start_round, user


async def test_a_command_in_flight_finishes_before_the_app_closes(app):
    await join(app, "ann")
    release = asyncio.Event()
    real = app.store.set_member_status

    async def slow(*args, **kwargs):
        await release.wait()  # the command is half-way when the stop arrives
        return await real(*args, **kwargs)

    app.store.set_member_status = slow
    pausing = asyncio.ensure_future(app.service.handle(c.Pause(actor=user("ann"), weeks="2")))
    await asyncio.sleep(0)
    draining = asyncio.ensure_future(app.drain(grace=5))
    await asyncio.sleep(0.01)
    assert not draining.done()  # it waits for the command
    late = await app.service.handle(c.Join(actor=user("bob")))
    assert late.error and "restarting" in late.text
    release.set()
    assert not (await pausing).error
    await draining
    assert (await app.store.get_member(user("ann"))).status == "paused"  # committed
    assert await app.store.get_member(user("bob")) is None


async def test_a_timer_in_flight_finishes_and_the_round_is_done(app, clock):
    await join(app, "ann", "bob")
    await start_round(app)
    (s,) = await app.store.sessions_live("console:demo")
    release, entered = asyncio.Event(), asyncio.Event()
    real = app.practice.apply

    async def slow(*args, **kwargs):
        entered.set()
        await release.wait()
        return await real(*args, **kwargs)

    app.practice.apply = slow
    clock.set(s.phase_ends_at)  # the intro is over: nobody came
    running = asyncio.ensure_future(app.run_due())
    await entered.wait()  # the intro's timer is half-way when the stop arrives
    draining = asyncio.ensure_future(app.drain(grace=5))
    await asyncio.sleep(0.01)
    assert not draining.done()
    release.set()
    await draining
    assert await running == 2  # the intro's reminder, then its end (the one in flight)
    assert (await app.store.latest_round("console:demo")).status == "done"
    assert await app.run_due() == 0  # stopping: nothing new starts
