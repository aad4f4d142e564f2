"""Commands against the historical record: ``compare`` and ``calibrate``."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from sim.cli.common import (
    JsonFlag,
    PosteriorDraws,
    ProgressBar,
    ProgressBars,
    check_output_path,
    echo,
    fail,
    flags_for,
    load_all_or_fail,
    load_posterior_or_fail,
    replicates_option,
)


def _load_history_files(paths: list[Path], preset: Optional[Path] = None) -> list:
    """Load scenario files that carry a [history] table; exit 2 listing every problem."""
    from sim.compare import record_of

    overrides = {"council.preset": str(preset.resolve())} if preset is not None else None
    if preset is not None:
        if preset.is_dir():
            fail([f"--preset: {preset}: is a directory, expected a .toml preset file"])
        if not preset.is_file():
            fail([f"--preset: {preset}: file not found"])
        if preset.suffix.lower() != ".toml":
            fail([f"--preset: {preset}: expected a .toml preset file"])
    seen: dict[Path, Path] = {}
    twice = []
    for path in paths:
        first = seen.setdefault(path.resolve(), path)
        if first is not path:
            twice.append(f"{path}: given twice (as {first}): each decision is scored once")
    if twice:
        fail(twice)
    return load_all_or_fail(paths, overrides, check=record_of)


def compare(
    scenario_files: Annotated[
        list[Path], typer.Argument(metavar="FILE...", help="Scenario files with a history table.")
    ],
    replicates: Annotated[
        int,
        replicates_option("Lanes per file (each file's lanes are kept, as in run)."),
    ] = 10_000,
    seed: Annotated[
        int, typer.Option("--seed", "-s", min=0, help="Root seed (the same for every file).")
    ] = 0,
    as_json: JsonFlag = False,
    preset: Annotated[
        Optional[Path], typer.Option("--preset", help="Stance preset applied to every file (council.preset).")
    ] = None,
    posterior: PosteriorDraws = None,
    progress: ProgressBar = True,
    record_dir: Annotated[
        Optional[Path],
        typer.Option(
            "--record-dir",
            help="A directory of record files (*.toml with a history table) the baselines may remember as earlier decisions; they are not scored (e.g. scenarios/history, to score held-out files).",
        ),
    ] = None,
) -> None:
    """Score the model against the real record: outcome, tally, member votes; totals; baselines."""
    from sim.compare import compare_scenarios
    from sim.text import format_comparison as format_report

    scenarios = _load_history_files(scenario_files, preset)
    earlier = []
    if record_dir is not None:
        if not record_dir.is_dir():
            fail([f"--record-dir: {record_dir}: not a directory"])
        record_files = sorted(record_dir.glob("*.toml"))
        if not record_files:
            fail([f"--record-dir: {record_dir}: no .toml files in it"])
        earlier = _load_history_files(record_files, preset)
    draws = load_posterior_or_fail(posterior)
    report = compare_scenarios(
        scenarios,
        replicates=replicates,
        seed=seed,
        posterior=draws,
        progress=progress and not as_json,
        earlier=earlier,
    )
    made_with = str(preset) if preset is not None else None  # what made the figures, with the rest
    if as_json:
        echo(json.dumps({**report.to_dict(), "preset": made_with}, indent=2))
    else:
        if made_with is not None:
            echo(f"stances from the preset {made_with} (--preset) in every file")
        echo(format_report(report))


def calibrate(
    scenario_files: Annotated[
        list[Path], typer.Argument(metavar="FILE...", help="Scenario files with a history table.")
    ],
    params: Annotated[
        Optional[str],
        typer.Option(
            "--params",
            help="Comma-separated keys to fit: decision.NAME (a global parameter) or members.CODE.FIELD (default: every fitted global parameter). A member's stance cannot be written with --out or --write-defaults (a parameters file holds global parameters only).",
        ),
    ] = None,
    prior_sd: Annotated[
        float,
        typer.Option(
            "--prior-sd",
            min=0.0,
            help="Sd of the Gaussian priors centred on the judgement values (on the log of scale parameters; 0: plain maximum likelihood).",
        ),
    ] = 2.0,
    rolling_forecast: Annotated[
        bool,
        typer.Option(
            "--rolling",
            help="Also forecast every decision from 2009 on from a fit on the decisions before its date, with the baselines.",
        ),
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            "-w",
            min=1,
            help="Local processes for the rolling forecast's fits (--rolling); the figures do not depend on it.",
        ),
    ] = 1,
    write_defaults: Annotated[
        bool,
        typer.Option(
            "--write-defaults",
            help="Write the fit to sim/data/parameters.toml, the defaults every scenario uses: the numbers fitted, and every other at the value the fit held it (with a partial --params the other fitted numbers keep their shipped values; the header names those refitted). Refused (exit 2, before fitting) for a member's stance in --params, and where the files hold a parameter not fitted at different values.",
        ),
    ] = False,
    out: Annotated[
        Optional[Path],
        typer.Option(
            "--out",
            "-o",
            help="Write the fit as a parameters file (.toml; as --write-defaults writes, same refusals): the fitted numbers and every other at the value the fit held it, so it scores the records as reported; its header quotes this command.",
        ),
    ] = None,
    as_json: JsonFlag = False,
    posterior: Annotated[
        Optional[Path],
        typer.Option(
            "--posterior",
            help="Also sample the posterior with emcee from the fit; write the draws here (.parquet, or .csv with a .meta.json).",
        ),
    ] = None,
    walkers: Annotated[
        int,
        typer.Option("--walkers", min=2, help="emcee walkers (--posterior; at least twice the parameters)."),
    ] = 64,
    steps: Annotated[int, typer.Option("--steps", min=1, help="Steps per walker (--posterior).")] = 1000,
    burn: Annotated[int, typer.Option("--burn", min=0, help="First steps discarded (--posterior).")] = 300,
    seed: Annotated[int, typer.Option("--seed", "-s", min=0, help="Seed of the sampler (--posterior).")] = 0,
    progress: ProgressBars = True,
) -> None:
    """Fit the model's free parameters to the record by maximum likelihood; rolling forecast;
    with --posterior, sample their posterior around the fit."""
    from sim.calibrate import DEFAULT_PARAMS, held_values, parse_params
    from sim.calibrate import calibrate as run_calibration
    from sim.compare import latest_decision_date
    from sim.presets import DEFAULTS_PATH, defaults_command, defaults_text, unwritable
    from sim.presets import write_defaults as write_parameters
    from sim.text import format_calibration

    if out is not None and out.suffix.lower() != ".toml":
        fail([f"--out: {out}: a parameters file must end in .toml"])
    check_output_path(out, suffixes=(".toml",))
    check_output_path(posterior, "--posterior")
    if posterior is not None and not 0 <= burn < steps:
        fail([f"--burn: {burn}: must be less than --steps ({steps})"])
    scenarios = _load_history_files(scenario_files)
    keys = [k for k in params.split(",") if k.strip()] if params is not None else list(DEFAULT_PARAMS)
    with flags_for({"params": "--params"}):
        parameters = parse_params(keys, scenarios)
    if write_defaults or out is not None:
        # before fitting: a parameters file holds one value per global parameter, each the one
        # the fit used; members' stances have no place in it
        flag = "/".join(
            f for f, given in (("--out", out is not None), ("--write-defaults", write_defaults)) if given
        )
        problems = unwritable(parameters, held_values(scenarios, parameters))
        if problems:
            fail([f"{flag}: {problem}" for problem in problems])
    if posterior is not None and walkers < 2 * len(parameters):
        fail(
            [
                f"--walkers: {walkers}: emcee needs at least twice the {len(parameters)} parameters ({2 * len(parameters)})"
            ]
        )

    from sim.progress import FitProgress

    with FitProgress(shown=progress and not as_json) as bars:
        report = run_calibration(
            scenarios,
            parameters,
            prior_sd=prior_sd,
            with_rolling=rolling_forecast,
            progress=bars.forecast,
            evaluated=bars.evaluated,
            workers=workers,
        )
    targets = [DEFAULTS_PATH] if write_defaults else []
    targets += [out] if out is not None else []
    if targets:
        text = defaults_text(
            report.fit,
            defaults_command(
                [str(p) for p in scenario_files], parameters, prior_sd, out=out, write_defaults=write_defaults
            ),
            record_through=latest_decision_date(report.at_fit),
        )
        for target in targets:
            write_parameters(target, text)
        report = dataclasses.replace(report, written=", ".join(str(t) for t in targets))
    sample = None
    if posterior is not None:
        from sim.posterior import sample_posterior, write_posterior

        with flags_for({"walkers": "--walkers", "burn": "--burn", "steps": "--steps"}):
            sample = sample_posterior(
                scenarios,
                parameters,
                report.fit.values,
                prior_sd,
                walkers,
                steps,
                burn,
                seed,
                progress=progress and not as_json,
            )
        command = _posterior_command(scenario_files, params, prior_sd, posterior, walkers, steps, burn, seed)
        write_posterior(posterior, sample, command)
    if as_json:
        data = report.to_dict()
        if sample is not None:
            data["posterior"] = {"file": str(posterior), **sample.metadata(command)}
        echo(json.dumps(data, indent=2))
    else:
        echo(format_calibration(report))
        if sample is not None:
            from sim.posterior import format_sample

            echo("")
            echo(format_sample(sample, posterior))


def _posterior_command(
    files: list[Path],
    params: Optional[str],
    prior_sd: float,
    out: Path,
    walkers: int,
    steps: int,
    burn: int,
    seed: int,
) -> str:
    """The command line that remakes a posterior file (recorded in its metadata)."""
    return (
        "unsc-sim calibrate "
        + " ".join(str(f) for f in files)
        + (f" --params {params}" if params else "")
        + f" --prior-sd {prior_sd:g} --posterior {out} --walkers {walkers} --steps {steps} --burn {burn} --seed {seed}"
    )
