"""The session state machine: every transition, the stale-timer rule, cancel and no-show."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.model import ChannelRef, Phase, Session, Turn, UserRef
from bot.sessions.machine import (
    Acknowledged,
    ArmTimer,
    Cancelled,
    Confirmed,
    Ended,
    EndedEarly,
    InvalidTransition,
    NoShowReported,
    PhaseEntered,
    SpaceOpened,
    TimeUp,
    Timings,
    advance,
    current_key,
)

NOW = datetime(2026, 1, 5, 18, 0, tzinfo=UTC)
A, B, C = (UserRef("console", "w", x) for x in "abc")
SPACE = ChannelRef("console", "w", "space-1")
T = Timings(
    intro=timedelta(minutes=5),
    prep=timedelta(minutes=2),
    answers=(timedelta(minutes=10), timedelta(minutes=15), timedelta(minutes=12)),
    feedback=timedelta(minutes=5),
)


def pair(members=(A, B)) -> Session:
    n = len(members)
    turns = tuple(
        Turn(members[i], members[(i + 1) % n], f"q{i}") for i in range(n if n == 3 else 2)
    )
    return Session(id="s1", community="console:w", round_id="r1", members=members, turns=turns)


def opened(members=(A, B)) -> Session:
    s, _ = advance(pair(members), SpaceOpened(SPACE), NOW, T)
    return s


def started(members=(A, B)) -> Session:
    s = opened(members)
    for m in members:
        s, _ = advance(s, Confirmed(m), NOW, T)
    return s


def test_space_opened_enters_intro_and_arms_its_timer():
    s, effects = advance(pair(), SpaceOpened(SPACE), NOW, T)
    assert (s.phase, s.space, s.phase_ends_at) == (Phase.INTRO, SPACE, NOW + T.intro)
    assert effects == [
        PhaseEntered(Phase.INTRO, 0, NOW + T.intro, False),
        ArmTimer("intro:0", NOW + T.intro),
    ]


def test_one_confirmation_waits_and_both_start_prep():
    s, effects = advance(opened(), Confirmed(A), NOW, T)
    assert s.phase is Phase.INTRO and s.confirmed == {A}
    assert isinstance(effects[0], Acknowledged)
    s, effects = advance(s, Confirmed(B), NOW, T)
    assert (s.phase, s.turn_index) == (Phase.PREP, 0)
    assert ArmTimer("prep:0", NOW + T.prep) in effects


def test_confirming_twice_changes_nothing():
    s, _ = advance(opened(), Confirmed(A), NOW, T)
    again, effects = advance(s, Confirmed(A), NOW, T)
    assert again == s and isinstance(effects[0], Acknowledged)


def test_intro_timeout_with_nobody_confirmed_is_a_no_show():
    s, effects = advance(opened(), TimeUp("intro:0"), NOW, T)
    assert s.phase is Phase.NO_SHOW and effects == [Ended(Phase.NO_SHOW)]


def test_intro_timeout_with_one_confirmed_starts_anyway():
    s, _ = advance(opened(), Confirmed(A), NOW, T)
    s, effects = advance(s, TimeUp("intro:0"), NOW, T)
    assert s.phase is Phase.PREP
    assert effects[0] == PhaseEntered(Phase.PREP, 0, NOW + T.prep, True)


def test_full_pair_walk_through_both_turns_by_timer():
    s = started()
    seen = []
    for _ in range(6):
        s, effects = advance(s, TimeUp(current_key(s)), NOW, T)
        seen.append((s.phase, s.turn_index))
    assert seen == [
        (Phase.ANSWER, 0),
        (Phase.FEEDBACK, 0),
        (Phase.PREP, 1),
        (Phase.ANSWER, 1),
        (Phase.FEEDBACK, 1),
        (Phase.DONE, 1),
    ]
    assert s.ended_at == NOW and effects == [Ended(Phase.DONE)]


def test_answer_phase_uses_that_turns_minutes():
    s = started()
    s, _ = advance(s, TimeUp("prep:0"), NOW, T)
    assert s.phase_ends_at == NOW + timedelta(minutes=10)


def test_trio_has_three_turns_and_everyone_interviews_once():
    s = started((A, B, C))
    assert [t.interviewer for t in s.turns] == [A, B, C]
    phases = []
    while not s.phase.terminal:
        s, _ = advance(s, EndedEarly(A), NOW, T)
        phases.append((s.phase, s.turn_index))
    assert phases.count((Phase.FEEDBACK, 2)) == 1 and s.phase is Phase.DONE


def test_ending_early_moves_to_the_next_phase_without_times_up():
    s = started()
    s, effects = advance(s, EndedEarly(B), NOW, T)
    assert s.phase is Phase.ANSWER
    assert effects[0].by_timer is False


def test_ending_the_intro_early_is_refused():
    with pytest.raises(InvalidTransition, match="I'm here"):
        advance(opened(), EndedEarly(A), NOW, T)


def test_a_stale_timer_does_nothing():
    s = started()
    moved, _ = advance(s, EndedEarly(A), NOW, T)
    same, effects = advance(moved, TimeUp("prep:0"), NOW, T)
    assert same == moved and effects == []


def test_a_late_timer_after_the_end_does_nothing():
    s, _ = advance(started(), Cancelled(A), NOW, T)
    same, effects = advance(s, TimeUp("prep:0"), NOW, T)
    assert same == s and effects == []


@pytest.mark.parametrize("steps", [0, 1, 2, 3])
def test_cancel_from_any_live_phase(steps):
    s = opened() if steps == 0 else started()
    for _ in range(max(0, steps - 1)):
        s, _ = advance(s, TimeUp(current_key(s)), NOW, T)
    s, effects = advance(s, Cancelled(B), NOW, T)
    assert s.phase is Phase.CANCELLED and s.ended_by == B and effects == [Ended(Phase.CANCELLED)]


def test_admin_cancel_has_no_member():
    s, _ = advance(started(), Cancelled(None), NOW, T)
    assert s.phase is Phase.CANCELLED and s.ended_by is None


def test_no_show_reported_in_the_first_turn():
    s, effects = advance(started(), NoShowReported(A), NOW, T)
    assert s.phase is Phase.NO_SHOW and s.ended_by == A and effects == [Ended(Phase.NO_SHOW)]


def test_no_show_after_the_first_answer_is_refused():
    s = started()
    for _ in range(3):
        s, _ = advance(s, TimeUp(current_key(s)), NOW, T)
    assert s.turn_index == 1
    with pytest.raises(InvalidTransition, match="no-show"):
        advance(s, NoShowReported(A), NOW, T)


def test_outsiders_cannot_act_on_a_session():
    outsider = UserRef("console", "w", "zed")
    for event in (
        Confirmed(outsider),
        EndedEarly(outsider),
        NoShowReported(outsider),
        Cancelled(outsider),
    ):
        with pytest.raises(InvalidTransition):
            advance(started(), event, NOW, T)


def test_a_finished_session_refuses_member_events():
    s, _ = advance(started(), Cancelled(A), NOW, T)
    with pytest.raises(InvalidTransition, match="already over"):
        advance(s, EndedEarly(A), NOW, T)


def test_events_before_the_space_opens_are_refused():
    with pytest.raises(InvalidTransition, match="not started"):
        advance(pair(), Confirmed(A), NOW, T)
    with pytest.raises(InvalidTransition, match="already open"):
        advance(opened(), SpaceOpened(SPACE), NOW, T)
