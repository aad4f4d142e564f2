"""Run a sweep's units on local worker processes that never outlive the sweep."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any

import numpy as np

from sim.sweep.plan import SweepError
from sim.sweep.work import run_unit


def _worker_init(parent: int) -> None:
    """Set up a local worker process so that it never outlives the sweep that started it.

    Ctrl-C goes to the parent alone (it stops the pool); on Linux the kernel kills the worker
    when the parent dies (``PR_SET_PDEATHSIG``), and everywhere a watchdog thread exits the
    worker as soon as its parent is gone (``kill -9`` of the parent included)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG = 1
        except (OSError, AttributeError):
            pass  # the watchdog below still applies
    if os.getppid() != parent:  # the parent died before we got here
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), name="unsc-sim-watchdog", daemon=True).start()


WATCHDOG_SECONDS = 0.5


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(WATCHDOG_SECONDS)
        if os.getppid() != parent:
            os._exit(1)


@contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Ignore Ctrl-C while worker processes start, so that they start with it ignored (an
    ignored signal stays ignored across exec) and a Ctrl-C to the process group while they
    import does not print a traceback from each; the parent's own handler is restored at once."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def run_processes(tasks: Iterator[Any], workers: int) -> Iterator[dict[str, np.ndarray]]:
    """Local processes, started with "spawn" (no fork of a parent holding threads or locks;
    the same on every OS). At most a few units per worker are in flight, so scenarios are
    built as they are needed. Workers die with this process (see :func:`_worker_init`)."""
    context = multiprocessing.get_context("spawn")
    with _sigint_ignored():
        pool = ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=_worker_init, initargs=(os.getpid(),)
        )
    pending: set = set()
    try:
        for task in tasks:
            with _sigint_ignored():
                pending.add(pool.submit(run_unit, task))
            if len(pending) >= 2 * workers:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    yield future.result()
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()
    except BrokenProcessPool as exc:
        raise SweepError(
            [
                f"workers: a worker process died ({exc}); the units it finished are saved: "
                "rerun the same command to resume"
            ]
        ) from None
    finally:
        with _sigint_ignored():  # a second Ctrl-C while the workers stop would only print tracebacks
            pool.shutdown(wait=True, cancel_futures=True)
