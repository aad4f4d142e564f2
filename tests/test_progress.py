"""``sim.progress``: one style of progress bar, on stderr, only when asked for, gone when done."""

from __future__ import annotations

from sim.progress import FitProgress, progress_bar


def test_a_bar_over_items_yields_them_and_draws_on_stderr_only_when_enabled(capsys):
    assert list(progress_bar("compare", " files", True, ["a", "b", "c"])) == ["a", "b", "c"]
    shown = capsys.readouterr()
    assert shown.out == "" and "compare" in shown.err and "files" in shown.err
    assert list(progress_bar("compare", " files", False, [1, 2])) == [1, 2]
    assert capsys.readouterr() == ("", "")


def test_a_bar_updated_by_hand_takes_tqdm_options(capsys):
    bar = progress_bar("sweep", " lanes", True, total=1_000_000, initial=250_000, unit_scale=True)
    bar.update(250_000)
    assert bar.n == 500_000 and bar.total == 1_000_000
    bar.close()
    assert "sweep" in capsys.readouterr().err


def test_the_fit_bar_gives_way_to_the_forecast_bar(capsys):
    with FitProgress(shown=True) as progress:
        progress.evaluated(3)
        assert progress.fitting.n == 3
        progress.forecast(2, 29)
        progress.forecast(5, 29)
        assert progress.forecasting.n == 5 and progress.forecasting.total == 29
    err = capsys.readouterr().err
    assert "calibrate: fitting" in err and "calibrate: rolling forecast" in err
    with FitProgress(shown=False) as silent:
        silent.evaluated()
        silent.forecast(1, 2)
    assert capsys.readouterr() == ("", "")
