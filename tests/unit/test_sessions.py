"""The session state machine: every transition, the stale-timer rule, cancel and no-show."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.model import ChannelRef, Phase, Session, Turn, UserRef
from bot.sessions.machine import (
    Acknowledged,
    ArmTimer,
    AttendanceSettled,
    Cancelled,
    Confirmed,
    Ended,
    EndedEarly,
    FeedbackClosed,
    InvalidTransition,
    NoShowReported,
    OwnerAsked,
    PhaseEntered,
    SpaceOpened,
    StoodUp,
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
    grace=timedelta(minutes=10),
)
INTRO = max(T.intro, T.grace)


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


def test_space_opened_enters_intro_for_at_least_the_grace_period():
    s, effects = advance(pair(), SpaceOpened(SPACE), NOW, T)
    assert (s.phase, s.space, s.phase_ends_at) == (Phase.INTRO, SPACE, NOW + INTRO)
    assert effects == [
        PhaseEntered(Phase.INTRO, 0, NOW + INTRO, False),
        ArmTimer("intro:0", NOW + INTRO),
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


def end(s: Session, at=NOW) -> Session:
    """The phase's owner ends it."""
    from bot.sessions.machine import owner

    moved, _ = advance(s, EndedEarly(owner(s), current_key(s)), at, T)
    return moved


def test_intro_timeout_with_nobody_confirmed_is_a_no_show_for_everyone():
    s, effects = advance(opened(), TimeUp("intro:0"), NOW, T)
    assert s.phase is Phase.NO_SHOW and s.absent == {A, B}
    assert effects == [AttendanceSettled((), (A, B)), Ended(Phase.NO_SHOW)]


def test_intro_timeout_with_one_confirmed_records_the_other_and_offers_a_rematch():
    s, _ = advance(opened(), Confirmed(A), NOW, T)
    s, effects = advance(s, TimeUp("intro:0"), NOW, T)
    assert s.phase is Phase.NO_SHOW and s.absent == {B} and s.ended_by is None
    assert effects == [AttendanceSettled((A,), (B,)), StoodUp((A,)), Ended(Phase.NO_SHOW)]


def test_a_trio_whose_third_does_not_come_goes_on_as_a_pair():
    s = opened((A, B, C))
    for m in (A, C):
        s, _ = advance(s, Confirmed(m), NOW, T)
    s, effects = advance(s, TimeUp("intro:0"), NOW, T)
    assert (s.phase, s.present, s.absent) == (Phase.PREP, (A, C), {B})
    assert effects[0] == AttendanceSettled((A, C), (B,))
    # each present member keeps the question meant for them, the other interviews
    assert [(t.interviewer, t.candidate, t.question_id) for t in s.turns] == [
        (A, C, "q1"),
        (C, A, "q2"),
    ]
    while not s.phase.terminal:
        s = end(s)
    assert s.phase is Phase.DONE


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
    assert s.ended_at == NOW and effects == [FeedbackClosed(1), Ended(Phase.DONE)]


def test_answer_phase_uses_that_turns_minutes():
    s = started()
    s, _ = advance(s, TimeUp("prep:0"), NOW, T)
    assert s.phase_ends_at == NOW + timedelta(minutes=10)


def test_trio_has_three_turns_and_everyone_interviews_once():
    s = started((A, B, C))
    assert [t.interviewer for t in s.turns] == [A, B, C]
    phases = []
    while not s.phase.terminal:
        s = end(s)
        phases.append((s.phase, s.turn_index))
    assert phases.count((Phase.FEEDBACK, 2)) == 1 and s.phase is Phase.DONE


def test_the_candidate_ends_prep_and_answer_the_interviewer_ends_feedback():
    s = started()  # turn 1: A interviews B
    s, effects = advance(s, EndedEarly(B, "prep:0"), NOW, T)
    assert s.phase is Phase.ANSWER and effects[0].by_timer is False
    same, effects = advance(s, EndedEarly(A, "answer:0"), NOW, T)
    assert same == s and effects == [OwnerAsked(A, B, Phase.ANSWER)]
    s, _ = advance(s, EndedEarly(B, "answer:0"), NOW, T)
    assert s.phase is Phase.FEEDBACK
    same, effects = advance(s, EndedEarly(B, "feedback:0"), NOW, T)
    assert same == s and effects == [OwnerAsked(B, A, Phase.FEEDBACK)]
    s, effects = advance(s, EndedEarly(A, "feedback:0"), NOW, T)
    assert (s.phase, s.turn_index) == (Phase.PREP, 1) and effects[0] == FeedbackClosed(0)


def test_a_second_press_for_a_phase_that_already_ended_changes_nothing():
    s = started()
    s, _ = advance(s, EndedEarly(B, "prep:0"), NOW, T)
    s, _ = advance(s, EndedEarly(B, "answer:0"), NOW, T)
    assert s.phase is Phase.FEEDBACK
    with pytest.raises(InvalidTransition, match="already ended"):
        advance(s, EndedEarly(B, "answer:0"), NOW, T)


def test_ending_the_intro_early_is_refused():
    with pytest.raises(InvalidTransition, match="I'm here"):
        advance(opened(), EndedEarly(A, "intro:0"), NOW, T)


def test_a_stale_timer_does_nothing():
    s = started()
    moved = end(s)
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
    assert s.phase is Phase.CANCELLED and s.ended_by == B and effects[-1] == Ended(Phase.CANCELLED)


def test_admin_cancel_has_no_member():
    s, _ = advance(started(), Cancelled(None), NOW, T)
    assert s.phase is Phase.CANCELLED and s.ended_by is None


def test_a_no_show_waits_for_the_grace_period_and_is_recorded_against_the_absent():
    s = opened()
    with pytest.raises(InvalidTransition, match="grace period"):
        advance(s, NoShowReported(A), NOW + T.grace - timedelta(minutes=1), T)
    s, effects = advance(s, NoShowReported(A), NOW + T.grace, T)
    assert s.phase is Phase.NO_SHOW and s.absent == {B} and s.ended_by == A
    assert AttendanceSettled((A,), (B,)) in effects and StoodUp((A,)) in effects


def test_a_no_show_when_everyone_came_or_after_the_intro_is_refused():
    s, _ = advance(opened(), Confirmed(B), NOW, T)
    with pytest.raises(InvalidTransition, match="nobody is missing"):
        advance(s, NoShowReported(A), NOW + T.grace, T)
    with pytest.raises(InvalidTransition, match="during the intro"):
        advance(started(), NoShowReported(A), NOW, T)


def test_outsiders_cannot_act_on_a_session():
    outsider = UserRef("console", "w", "zed")
    for event in (
        Confirmed(outsider),
        EndedEarly(outsider, "prep:0"),
        NoShowReported(outsider),
        Cancelled(outsider),
    ):
        with pytest.raises(InvalidTransition):
            advance(started(), event, NOW, T)


def test_a_finished_session_refuses_member_events():
    s, _ = advance(started(), Cancelled(A), NOW, T)
    with pytest.raises(InvalidTransition, match="already over"):
        advance(s, Confirmed(A), NOW, T)
    with pytest.raises(InvalidTransition, match="already ended"):
        advance(s, EndedEarly(A, "prep:0"), NOW, T)


def test_events_before_the_space_opens_are_refused():
    with pytest.raises(InvalidTransition, match="not started"):
        advance(pair(), Confirmed(A), NOW, T)
    with pytest.raises(InvalidTransition, match="already open"):
        advance(opened(), SpaceOpened(SPACE), NOW, T)
