"""Run a sweep's units on local worker processes that never outlive the sweep."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
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


BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


@contextmanager
def single_threaded_children() -> Iterator[None]:
    """Processes started meanwhile run their linear algebra on one thread each (where the user
    has not chosen otherwise). Workers that each do small numpy work otherwise start a thread
    pool per process whose waiting threads take the CPU the other workers need: measured on the
    rolling forecast's fits, two workers then ran no faster than one process."""
    saved = {name: os.environ.get(name) for name in BLAS_THREAD_VARIABLES}
    for name in BLAS_THREAD_VARIABLES:
        os.environ.setdefault(name, "1")
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def local_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` local processes, started with "spawn" (no fork of a parent holding
    threads or locks; the same on every OS), that die with this process (see
    :func:`_worker_init`). Submit with :func:`submit`; shut down with :func:`shutdown`."""
    context = multiprocessing.get_context("spawn")
    with _sigint_ignored():
        return ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=_worker_init, initargs=(os.getpid(),)
        )


def submit(pool: ProcessPoolExecutor, function: Any, *args: Any) -> Future:
    """``pool.submit``, with Ctrl-C ignored while a worker it starts begins (see :func:`_sigint_ignored`)."""
    with _sigint_ignored():
        return pool.submit(function, *args)


def shutdown(pool: ProcessPoolExecutor) -> None:
    """Stop the workers, cancelling what has not started (a second Ctrl-C meanwhile would only
    print tracebacks, so it is ignored)."""
    with _sigint_ignored():
        pool.shutdown(wait=True, cancel_futures=True)


def run_processes(tasks: Iterator[Any], workers: int) -> Iterator[dict[str, np.ndarray]]:
    """Local processes (:func:`local_pool`). At most a few units per worker are in flight, so
    scenarios are built as they are needed."""
    pool = local_pool(workers)
    pending: set = set()
    try:
        for task in tasks:
            pending.add(submit(pool, run_unit, task))
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
        shutdown(pool)
