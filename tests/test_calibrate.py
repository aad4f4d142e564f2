"""Calibration: the analytic probabilities agree with simulation, the fit recovers stances that
generated the votes, leave-one-out refits without the held-out decision, presets round-trip."""

import itertools
import json
import textwrap
import tomllib

import numpy as np
import pytest
from typer.testing import CliRunner

from sim.calibrate import (
    DEFAULT_PARAMS,
    CalibrationError,
    FitResult,
    _count_distribution,
    analytic_comparison,
    fit,
    lane_probabilities,
    leave_one_out,
    parse_params,
    preset_text,
    write_preset,
)
from sim.cli import app
from sim.compare import compare_result, record_of
from sim.rules import NO, OUTCOME_LABELS, YES, Outcome, _yes_count_distribution
from sim.runner import run
from sim.scenario import load_preset, load_scenario, scenario_from_dict

from .conftest import COMMITTEE_2018, HISTORY, OIL_CAP_2022, RES_2397

runner = CliRunner()
RES_2356 = HISTORY / "2017-06-02-s-res-2356.toml"
STATEMENT_MARCH_2018 = HISTORY / "2018-03-15-press-statement.toml"


# ------------------------------------------------------------------ the analytic engine

def test_count_distributions_match_brute_force_enumeration():
    rng = np.random.default_rng(4)
    raw = rng.dirichlet([1, 1, 1], size=4)  # 4 members: P(yes), P(no), P(abstain)
    yes, no, abstain = (raw[:, k][:, None] for k in range(3))
    dist = _count_distribution(yes, no, abstain)[:, :, 0]
    brute = np.zeros((5, 5))
    for votes in itertools.product(range(3), repeat=4):
        p = np.prod([raw[i, v] for i, v in enumerate(votes)])
        brute[votes.count(0), votes.count(1)] += p
    assert dist == pytest.approx(brute, abs=1e-12)
    # sub-probability of the yes count where member 0 may not vote no
    other = np.where(np.arange(4)[:, None] == 0, abstain, abstain + no)
    sub = _yes_count_distribution(yes, other)[:, 0]
    brute_sub = np.zeros(5)
    for votes in itertools.product(range(3), repeat=4):
        if votes[0] != 1:
            brute_sub[votes.count(0)] += np.prod([raw[i, v] for i, v in enumerate(votes)])
    assert sub == pytest.approx(brute_sub, abs=1e-12)


NOISY = {"decision.noise_scale": 3.0}
"""Triples every member's noise so that the checked probabilities sit well inside (0, 1)."""


@pytest.mark.parametrize("path", [RES_2356, STATEMENT_MARCH_2018, COMMITTEE_2018])
def test_analytic_probabilities_agree_with_simulation(path):
    """The exact probabilities and 20,000 simulated lanes of the same model agree within 4.5
    binomial standard errors: a wrong threshold, sign or noise scale would break this."""
    scenario = load_scenario(path, overrides=NOISY)
    exact = analytic_comparison(scenario)
    simulated = compare_result(run(scenario, 20_000, 11))
    n = 20_000

    def close(a: float, b: float) -> bool:
        se = np.sqrt(max(a * (1 - a), 1e-4) / n)
        return abs(a - b) < 4.5 * se

    assert close(exact.p_outcome, simulated.p_outcome)
    for label in OUTCOME_LABELS:
        assert close(exact.outcome_probabilities[label], simulated.outcome_probabilities[label])
    if exact.p_members is not None:
        for code, p in exact.p_members.items():
            assert close(p, simulated.p_members[code]), code
        assert close(exact.p_tally, simulated.p_tally)


def test_at_least_one_checked_probability_is_far_from_0_and_1():
    """Guard for the test above: agreement at 0 and 1 alone would prove little."""
    exact = analytic_comparison(load_scenario(RES_2356, overrides=NOISY))
    assert 0.2 < exact.p_members["CHN"] < 0.8
    assert 0.2 < analytic_comparison(load_scenario(STATEMENT_MARCH_2018, overrides=NOISY)).p_outcome < 0.8
    assert 0.2 < analytic_comparison(load_scenario(COMMITTEE_2018, overrides=NOISY)).p_outcome < 0.8


def test_a_withdrawn_draft_is_scored_by_the_chance_it_would_be_vetoed():
    scenario = load_scenario(HISTORY / "2019-12-16-relief-draft.toml")
    lp = lane_probabilities(scenario)
    # P(withdrawn) = P(vetoed if put to the vote) = 1 - prod over permanent members of P(not no)
    p_veto = 1 - np.prod(1 - lp.at_vote_no[lp.eligible, 0])
    assert lp.outcome[OUTCOME_LABELS.index("withdrawn"), 0] == pytest.approx(p_veto)
    assert lp.outcome[:, 0].sum() == pytest.approx(1.0)


# ------------------------------------------------------------------ recovering known stances

SYNTHETIC = """
[scenario]
name = "synthetic {i}"

[council]
members = ["AAA", "BBB", "CCC"]
quota = 2

[members.AAA]
name = "A"
permanent = true
pressure = {pressure}
reciprocity = 0.1
veto_cost = 0.1
salience = 1.0
noise = 0.15

[members.BBB]
name = "B"
permanent = false
pressure = 0.95
reciprocity = 0.1
veto_cost = 0.5
salience = 1.0
noise = 0.15

[members.CCC]
name = "C"
permanent = false
pressure = 0.9
reciprocity = 0.1
veto_cost = 0.5
salience = 1.0
noise = 0.15

[proposal]
kind = "resolution"
title = "synthetic"
sponsors = ["BBB"]

[[proposal.measures]]
type = "custom"
description = "synthetic"
pressure = 0.1

[context]
date = "2020-01-{day:02d}"
status_quo_pressure = {status_quo}
"""


def synthetic_record(n: int, pressure: float, noise_scale: float, seed: int = 0):
    """n decisions whose votes are *simulated* (Monte Carlo engine, one lane each) with the given
    true AAA pressure and noise scale, recorded as [history] tables."""
    scenarios = []
    for i, status_quo in enumerate(np.linspace(0.2, 0.8, n)):
        raw = tomllib.loads(textwrap.dedent(SYNTHETIC.format(i=i, pressure=pressure, day=1 + i % 28, status_quo=status_quo)))
        raw["decision"] = {"noise_scale": noise_scale}
        simulated = run(scenario_from_dict(raw, label=f"syn{i}.toml"), 1, seed + i)
        votes = simulated.votes[:, 0]
        labels = {YES: "yes", NO: "no", 0: "abstain"}
        raw["history"] = {
            "symbol": f"SYN/{i}",
            "date": raw["context"]["date"],
            "source": "simulated",
            "outcome": OUTCOME_LABELS[int(simulated.outcome[0])],
            "vetoed_by": ["AAA"] if simulated.defeated_by[0, 0] else [],
            "votes": {code: labels[int(v)] for code, v in zip(["AAA", "BBB", "CCC"], votes)},
        }
        raw.pop("decision")  # the fit starts from noise scale 1 and pressure of the file...
        raw["members"]["AAA"]["pressure"] = 0.5  # ...and from a wrong pressure
        scenarios.append(scenario_from_dict(raw, label=f"syn{i}.toml"))
    return scenarios


def test_fit_recovers_the_stances_that_generated_the_votes():
    true_pressure, true_scale = 0.66, 1.5
    scenarios = synthetic_record(80, true_pressure, true_scale, seed=100)
    # AAA's real votes must vary, or there is nothing to learn
    aaa = [record_of(s).votes["AAA"] for s in scenarios]
    assert len(set(aaa)) == 3
    params = parse_params(["members.AAA.pressure", "decision.noise_scale"], scenarios)
    result = fit(scenarios, params, prior_sd=0.0)
    pressure, scale = result.values
    se_pressure, se_scale = result.std_errors
    assert result.converged
    assert abs(pressure - true_pressure) < max(3 * se_pressure, 0.02)
    assert abs(pressure - true_pressure) < 0.06
    assert abs(scale - true_scale) < max(3 * se_scale, 0.1)
    assert 0 < se_pressure < 0.05
    assert result.log_likelihood > result.start_log_likelihood


def test_leave_one_out_predicts_each_decision_from_a_fit_without_it():
    scenarios = synthetic_record(8, 0.66, 1.0, seed=7)
    params = parse_params(["members.AAA.pressure"], scenarios)
    held = leave_one_out(scenarios, params)
    assert len(held) == 8
    others = scenarios[:3] + scenarios[4:]
    assert held[3].values == pytest.approx(fit(others, params, uncertainty=False).values)
    assert held[3].comparison.symbol == "SYN/3"
    # scored at the held-out fit, not at the full fit
    full = fit(scenarios, params, uncertainty=False).values
    assert not np.allclose([h.values[0] for h in held], full[0], atol=1e-6)


# ------------------------------------------------------------------ parameters and presets

def test_bad_parameters_are_reported_one_line_each():
    scenarios = [load_scenario(OIL_CAP_2022)]
    with pytest.raises(CalibrationError) as info:
        parse_params(["members.CHN.pressur", "members.XXX.pressure", "decision.abstention_band"], scenarios)
    assert len(info.value.problems) == 3
    assert info.value.problems[1] == "--params: members.XXX.pressure: XXX sits on none of the councils given"
    assert len(parse_params(list(DEFAULT_PARAMS), scenarios)) == 16


def test_a_preset_carries_the_fitted_values_and_the_folded_noise_scale(tmp_path):
    scenario = load_scenario(RES_2356)
    params = parse_params(["members.CHN.pressure", "members.RUS.reciprocity", "decision.noise_scale"], [scenario])
    values = np.array([0.62, 0.7, 1.8])
    result = FitResult(
        params=tuple(params), start=np.array([0.54, 0.87, 1.0]), values=values,
        std_errors=np.array([0.1, np.nan, 0.2]), at_bound=np.zeros(3, bool), log_likelihood=-1.0,
        start_log_likelihood=-5.0, penalised=1.0, prior_sd=0.0, files=(str(RES_2356),), converged=True,
        message="", evaluations=1, seconds=0.0,
    )
    path = write_preset(tmp_path / "fitted.toml", preset_text(result, "unsc-sim calibrate X"))
    text = path.read_text()
    assert "unsc-sim calibrate X" in text and "-1.000 at the fit" in text
    preset = load_preset(path)
    assert preset["CHN"].pressure.value == pytest.approx(0.62)
    assert preset["CHN"].noise.value == pytest.approx(0.1 * 1.8)   # folded noise scale
    assert preset["ALB"].noise.value == pytest.approx(0.08 * 1.8)  # every member's
    with_preset = load_scenario(RES_2356, overrides={"council.preset": str(path)})
    # the scenario using the preset gives what the fitted values give
    a = analytic_comparison(with_preset)
    b = analytic_comparison(scenario, params, values)
    assert a.p_members == pytest.approx(b.p_members, abs=1e-4)
    assert a.p_members["CHN"] != pytest.approx(analytic_comparison(scenario).p_members["CHN"], abs=1e-3)


# ------------------------------------------------------------------ the command

def test_calibrate_command_fits_writes_a_preset_and_prints_json(tmp_path):
    out = tmp_path / "presets" / "fit.toml"
    files = [str(OIL_CAP_2022), str(RES_2397), str(COMMITTEE_2018)]
    result = runner.invoke(app, ["calibrate", *files, "--params", "members.CHN.pressure,decision.noise_scale",
                                 "--no-loo", "-n", "200", "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [row["param"] for row in data["fit"]["params"]] == ["members.CHN.pressure", "decision.noise_scale"]
    assert data["fit"]["log_likelihood"] >= data["fit"]["start_log_likelihood"] - 1e-9
    assert len(data["files"]) == 3 and data["preset"] == str(out)
    assert data["monte_carlo_check"]["replicates"] == 200
    assert "CHN" in load_preset(out)


def test_calibrate_bad_input_exits_2_and_writes_nothing(tmp_path):
    out = tmp_path / "fit.toml"
    bad = runner.invoke(app, ["calibrate", str(OIL_CAP_2022), "--params", "members.CHN.nope", "--out", str(out)])
    assert bad.exit_code == 2 and "members.CHN.nope" in bad.stderr and not out.exists()
    wrong_suffix = runner.invoke(app, ["calibrate", str(OIL_CAP_2022), "--out", str(tmp_path / "fit.txt")])
    assert wrong_suffix.exit_code == 2 and "must end in .toml" in wrong_suffix.stderr


def test_the_simulated_penholder_withdraws_as_the_likelihood_says():
    """withdraw_if_vetoed: the model's canvass and calibration's likelihood are one model. With
    the P3 reluctant and noise tripled, every outcome is uncertain; simulated and exact
    probabilities agree within 4.5 binomial standard errors."""
    overrides = {"decision.noise_scale": 3.0, **{f"members.{c}.veto_cost": 1.0 for c in ("USA", "GBR", "FRA")}}
    scenario = load_scenario(HISTORY / "2019-12-16-relief-draft.toml", overrides=overrides)
    exact = lane_probabilities(scenario).outcome[:, 0]
    n = 20_000
    simulated = np.bincount(run(scenario, n, 5).outcome, minlength=len(exact)) / n
    assert 0.1 < exact[Outcome.WITHDRAWN] < 0.9 and 0.1 < exact[Outcome.VETOED] < 0.9
    se = np.sqrt(np.maximum(exact * (1 - exact), 1e-4) / n)
    assert np.all(np.abs(simulated - exact) < 4.5 * se), (simulated, exact)
