"""The Charter's rules, as tables of votes -> outcome."""

import numpy as np
import pytest

from sim.rules import ABSTAIN, NO, NOT_CAST, RULES, YES, Outcome, decide, rule_for

PERMANENT = np.array([True] * 5 + [False] * 10)


def council(yes: int = 0, no_p5: int = 0, abstain_p5: int = 0, no_elected: int = 0, abstain_elected: int = 0):
    """Votes of the 15: the P5 first. yes votes go to permanent members left over, then elected."""
    p5 = [NO] * no_p5 + [ABSTAIN] * abstain_p5
    p5_yes = 5 - len(p5)
    elected_yes = yes - p5_yes
    assert 0 <= elected_yes <= 10 - no_elected - abstain_elected, "inconsistent test row"
    elected = [YES] * elected_yes + [NO] * no_elected + [ABSTAIN] * abstain_elected
    elected += [ABSTAIN] * (10 - len(elected))
    return np.array(p5 + [YES] * p5_yes + elected, dtype=np.int8)


@pytest.mark.parametrize(
    "votes, expected, fell_short",
    [
        (council(yes=15), Outcome.ADOPTED, False),  # S/RES/2397, 15-0-0
        (council(yes=13, no_p5=2), Outcome.VETOED, False),  # S/2022/431, 13-2-0
        (council(yes=9, abstain_elected=6), Outcome.ADOPTED, False),  # exactly nine
        (council(yes=8, abstain_elected=7), Outcome.FAILED, True),
        (council(yes=12, abstain_p5=2, abstain_elected=1), Outcome.ADOPTED, False),  # abstention is no veto
        (council(yes=10, abstain_p5=5), Outcome.ADOPTED, False),  # all five abstain, ten elected yes
        (council(yes=14, no_p5=1), Outcome.VETOED, False),  # one veto suffices
        (
            council(yes=5, no_p5=1, abstain_elected=9),
            Outcome.FAILED,
            True,
        ),  # short of nine: failed, whoever voted no
        (council(yes=10, no_elected=5), Outcome.ADOPTED, False),  # elected "no" is no veto
        (council(yes=8, no_elected=2), Outcome.FAILED, True),
    ],
)
def test_article_27_3(votes, expected, fell_short):
    decision = decide(RULES["resolution"], votes, PERMANENT)
    assert decision.outcome[0] == expected
    assert decision.fell_short[0] == fell_short
    assert decision.yes[0] == (votes == YES).sum()


def test_veto_names_the_vetoing_permanent_members_only():
    votes = council(yes=11, no_p5=2, no_elected=2)
    decision = decide(RULES["resolution"], votes, PERMANENT)
    assert list(np.flatnonzero(decision.defeated_by[:, 0])) == [0, 1]


@pytest.mark.parametrize(
    "votes, expected",
    [
        (council(yes=9, no_p5=2, abstain_elected=1), Outcome.ADOPTED),  # no veto in procedure
        (council(yes=11, no_p5=2, abstain_elected=2), Outcome.ADOPTED),
        (council(yes=8, no_p5=5), Outcome.FAILED),
    ],
)
def test_article_27_2_procedural(votes, expected):
    decision = decide(RULES["procedural"], votes, PERMANENT)
    assert decision.outcome[0] == expected
    assert not decision.defeated_by.any()


@pytest.mark.parametrize("kind", ["committee", "statement"])
def test_consensus_any_single_objection_blocks(kind):
    all_silent = np.full(15, ABSTAIN, dtype=np.int8)
    assert decide(RULES[kind], all_silent, PERMANENT).outcome[0] == Outcome.ADOPTED
    for objector in (0, 7):  # a permanent or an elected member
        votes = np.full(15, YES, dtype=np.int8)
        votes[objector] = NO
        decision = decide(RULES[kind], votes, PERMANENT)
        assert decision.outcome[0] == Outcome.BLOCKED
        assert list(np.flatnonzero(decision.defeated_by[:, 0])) == [objector]


def test_many_lanes_are_decided_independently():
    lanes = np.stack([council(yes=15), council(yes=13, no_p5=2), council(yes=8, abstain_elected=7)], axis=1)
    decision = decide(RULES["resolution"], lanes, PERMANENT)
    assert list(decision.outcome) == [Outcome.ADOPTED, Outcome.VETOED, Outcome.FAILED]


def test_withdrawn_lanes_are_withdrawn_whatever_the_votes():
    lanes = np.stack([council(yes=13, no_p5=2), np.full(15, NOT_CAST, dtype=np.int8)], axis=1)
    decision = decide(RULES["resolution"], lanes, PERMANENT, withdrawn=np.array([False, True]))
    assert list(decision.outcome) == [Outcome.VETOED, Outcome.WITHDRAWN]
    assert not decision.defeated_by[:, 1].any()


def test_blockers_by_rule():
    assert list(RULES["resolution"].is_blocker(PERMANENT)) == list(PERMANENT)
    assert not RULES["procedural"].is_blocker(PERMANENT).any()
    assert RULES["committee"].is_blocker(PERMANENT).all()


def test_quota_override_for_hypothetical_councils():
    rule = rule_for("resolution", quota=10)
    decision = decide(rule, council(yes=9, abstain_elected=6), PERMANENT)
    assert decision.outcome[0] == Outcome.FAILED
    assert rule_for("resolution").quota == 9


# -- properties that hold for every vote (hypothesis) -------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

votes_of_15 = st.lists(st.sampled_from([YES, NO, ABSTAIN]), min_size=15, max_size=15).map(
    lambda v: np.array(v, dtype=np.int8)
)


@settings(max_examples=300, deadline=None)
@given(votes_of_15)
def test_resolution_adopted_exactly_when_nine_yes_and_no_permanent_no(votes):
    decision = decide(RULES["resolution"], votes, PERMANENT)
    expected = (votes == YES).sum() >= 9 and not (votes[:5] == NO).any()
    assert (decision.outcome[0] == Outcome.ADOPTED) == expected
    reached = (votes == YES).sum() >= 9
    # a veto needs the quota reached: short of nine, the draft failed, whoever voted no
    assert (decision.outcome[0] == Outcome.VETOED) == bool(reached and (votes[:5] == NO).any())
    assert (decision.outcome[0] == Outcome.FAILED) == bool(not reached)


@settings(max_examples=300, deadline=None)
@given(votes_of_15, st.integers(min_value=0, max_value=4))
def test_a_permanent_member_abstaining_instead_of_voting_no_never_hurts_a_draft(votes, member):
    """Abstention is not a veto: turning a permanent "no" into an abstention can only help."""
    if votes[member] != NO:
        return
    softened = votes.copy()
    softened[member] = ABSTAIN
    before = decide(RULES["resolution"], votes, PERMANENT).outcome[0]
    after = decide(RULES["resolution"], softened, PERMANENT).outcome[0]
    assert not (before == Outcome.ADOPTED and after != Outcome.ADOPTED)


@settings(max_examples=200, deadline=None)
@given(votes_of_15)
def test_consensus_blocked_exactly_when_someone_objects(votes):
    for kind in ("committee", "statement"):
        decision = decide(RULES[kind], votes, PERMANENT)
        assert (decision.outcome[0] == Outcome.BLOCKED) == bool((votes == NO).any())
        assert decision.defeated_by[:, 0].sum() == (votes == NO).sum()


@settings(max_examples=200, deadline=None)
@given(votes_of_15)
def test_every_vote_comes_to_an_outcome_its_rule_lists(votes):
    """``possible_outcomes`` is what scenario validation accepts as a record; no vote may come
    to anything else (a withdrawal is the penholder's, before any vote)."""
    for kind, rule in RULES.items():
        label = Outcome(decide(rule, votes, PERMANENT).outcome[0]).label
        assert label in rule.possible_outcomes(), (kind, label)
    assert RULES["procedural"].possible_outcomes() == ("adopted", "failed", "withdrawn")
    assert "vetoed" in RULES["resolution"].possible_outcomes()
    assert "failed" not in RULES["statement"].possible_outcomes()


@pytest.mark.parametrize("kind", ["resolution", "procedural", "committee", "statement"])
def test_outcome_probabilities_equal_decide_over_every_vote(kind):
    """The analytic outcome probabilities equal decide() summed over all 3^6 votes of a
    six-member council (two permanent, quota 4), weighted by their probabilities."""
    import itertools

    from sim.rules import outcome_probabilities

    rng = np.random.default_rng(3)
    members, lanes = 6, 4
    permanent = np.array([True, True, False, False, False, False])
    raw = rng.dirichlet([1.0, 1.0, 1.0], size=(members, lanes))  # (members, lanes, 3)
    p_yes, p_no, p_abstain = raw[..., 0], raw[..., 1], raw[..., 2]
    rule = rule_for(kind, quota=4)
    expected = np.zeros((len(Outcome), lanes))
    codes = (YES, NO, ABSTAIN)
    probs = {YES: p_yes, NO: p_no, ABSTAIN: p_abstain}
    for combo in itertools.product(codes, repeat=members):
        votes = np.array(combo, dtype=np.int8)
        outcome = decide(rule, votes, permanent).outcome[0]
        weight = np.prod([probs[v][i] for i, v in enumerate(combo)], axis=0)
        expected[outcome] += weight
    np.testing.assert_allclose(
        outcome_probabilities(rule, p_yes, p_no, p_abstain, permanent), expected, atol=1e-12
    )
