"""Refusals and bad input: one-line answers, only to the member, and nothing changed."""

from __future__ import annotations

from dataclasses import replace

from discord_harness import Harness


async def test_a_member_cannot_run_admin_commands(harness: Harness) -> None:
    fake, h = harness.fake, harness
    alice, bob = fake.add_member("alice"), fake.add_member("bob")
    track = h.app.bank.tracks()[0]
    for uid in (alice, bob):
        await h.join(uid, track=track)
    before = await h.app.store.get_config(h.community)

    for sub, options in (
        ("round", {"action": "start"}),
        ("config", {"prep": 9}),
        ("schedule", {"weekday": "mon", "time": "18:00"}),
    ):
        inter = await fake.answered(await fake.slash(alice, sub, **options))
        assert inter.ephemeral and "organisers" in inter.text and "\n" not in inter.text, inter.text
    assert fake.threads() == []
    assert await h.app.store.latest_round(h.community) is None
    assert await h.app.store.get_config(h.community) == before

    # the same command from someone with Manage Server goes through
    ok = await fake.answered(await fake.slash(fake.owner_id, "config", prep=9))
    assert "saved" in ok.text.lower()
    assert (await h.app.store.get_config(h.community)).prep_minutes == 9


async def test_the_organiser_role_runs_admin_commands_without_server_rights(
    harness: Harness,
) -> None:
    fake, h = harness.fake, harness
    alice, bob = fake.add_member("alice", organiser=True), fake.add_member("bob")
    track = h.app.bank.tracks()[0]
    for uid in (alice, bob):
        await h.join(uid, track=track)
    cfg = await h.app.store.get_config(h.community)
    await h.app.store.save_config(replace(cfg, organiser_role=str(fake.organiser_role)))
    refused = await fake.answered(await fake.slash(bob, "round", action="start"))
    assert "only organisers" in refused.text
    started = await fake.answered(await fake.slash(alice, "round", action="start"))
    assert started.text.startswith("Round started"), started.text


async def test_malformed_option_values_get_one_line_and_change_nothing(harness: Harness) -> None:
    fake, h = harness.fake, harness
    alice = fake.add_member("alice")
    bad = (
        (alice, "join", {"timezone": "Mars/Olympus_Mons"}),
        (alice, "join", {"level": "wizard"}),
        (alice, "join", {"track": "astrology"}),
        (fake.owner_id, "schedule", {"weekday": "mon", "time": "25:99"}),
        (fake.owner_id, "schedule", {"weekday": "someday", "time": "18:00"}),
        (fake.owner_id, "config", {"prep": -5}),
        (fake.owner_id, "round", {"action": "explode"}),
    )
    config = await h.app.store.get_config(h.community)
    for uid, sub, options in bad:
        inter = await fake.answered(await fake.slash(uid, sub, **options))
        assert inter.ephemeral, (sub, options)
        assert inter.text and "\n" not in inter.text, (sub, options, inter.text)
    assert await h.app.store.members(h.community) == []
    assert await h.app.store.get_config(h.community) == config

    paused = await fake.answered(await fake.slash(alice, "pause", weeks=40))
    assert paused.ephemeral and "\n" not in paused.text


async def test_timezone_autocomplete_offers_zoneinfo_names(harness: Harness) -> None:
    fake = harness.fake
    alice = fake.add_member("alice")
    inter = await fake.answered(await fake.autocomplete(alice, "join", "timezone", timezone="berl"))
    assert {"name": "Europe/Berlin", "value": "Europe/Berlin"} in inter.choices
    assert 0 < len(inter.choices) <= 25
    assert inter.responses[0]["type"] == 8


async def test_slash_commands_are_synced_with_typed_options(harness: Harness) -> None:
    (mock,) = [c for c in harness.fake.commands if c["name"] == "mock"]
    subs = {o["name"]: o for o in mock["options"]}
    assert set(subs) >= {
        "join",
        "leave",
        "pause",
        "now",
        "question",
        "rate",
        "ready",
        "done",
        "noshow",
        "guide",
        "leaderboard",
        "stats",
        "help",
        "schedule",
        "round",
        "config",
    }
    options = {o["name"]: o for o in subs["leaderboard"]["options"]}
    assert [c["value"] for c in options["period"]["choices"]] == ["week", "month", "all"]
    pause = subs["pause"]["options"][0]
    assert (pause["type"], pause["min_value"], pause["max_value"]) == (4, 1, 12)
    assert {o["name"]: o["type"] for o in subs["stats"]["options"]} == {"member": 6}
    assert {o["name"]: o["type"] for o in subs["schedule"]["options"]}["channel"] == 7
    assert next(o for o in subs["join"]["options"] if o["name"] == "timezone")["autocomplete"]
    assert mock["contexts"] == [0] or mock.get("dm_permission") is False
