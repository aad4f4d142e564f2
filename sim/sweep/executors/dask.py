"""Run a sweep's units on an existing dask.distributed cluster.

The address is checked for its form first (:func:`check_address`, no import of dask), and the
client connects (:func:`connect`) before the sweep makes any file, with a short timeout, so a
wrong or unreachable ``--scheduler`` is one line and nothing on disk. A client that fails to
connect is closed at once: left to its ``__del__`` it waited a minute at interpreter exit and
printed a traceback."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from contextlib import suppress
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.sweep.plan import SweepError
from sim.sweep.work import run_unit

if TYPE_CHECKING:
    from distributed import Client

SCHEMES = ("tcp", "tls", "ws", "wss", "ucx")
"""The network schemes of dask.distributed (``inproc://``, one process's own, is let through
for library use, unchecked)."""

EXPECTED = "expected tcp://HOST:PORT or HOST:PORT, e.g. tcp://127.0.0.1:8786"

HOST_NAME = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?$")
"""A host name or IPv4 address (IPv6 goes in brackets)."""

CONNECT_TIMEOUT_S = 10.0
"""The longest wait for the scheduler to answer; dask's ``distributed.comm.timeouts.connect``
(e.g. ``DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT=2s``) shortens it."""

CLOSE_TIMEOUT_S = 5.0
"""The longest wait for a client that failed to connect to close."""


def _address_problem(address: str) -> str | None:
    """Why ``address`` is not of the form [scheme://]host:port, or None if it is."""
    if not address.strip():
        return "empty"
    scheme, separator, location = address.partition("://")
    if not separator:
        scheme, location = "tcp", address
    if scheme.lower() == "inproc":
        return None if location else "no host"
    if scheme.lower() not in SCHEMES:
        return f"unknown scheme {scheme!r} ({', '.join(SCHEMES[:-1])} or {SCHEMES[-1]})"
    if location.startswith("["):  # an IPv6 address: [::1]:8786
        host, bracket, rest = location.partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            return "not a host name"
        try:
            ipaddress.IPv6Address(host[1:])
        except ValueError:
            return "not a host name"
        if not rest:
            return "no port"
        port = rest[1:]
    else:
        host, colon, port = location.rpartition(":")
        if not colon:
            return "no port" if location else "no host"
        if not host:
            return "no host"
        if ":" in host:
            return f"not a host name (an IPv6 address goes in brackets: [{host}]:{port})"
        if not HOST_NAME.match(host):
            return "not a host name"
    if not (port.isascii() and port.isdigit() and 0 < int(port) < 65536):
        return "port must be a number from 1 to 65535"
    return None


def check_address(address: str) -> None:
    """A scheduler address has the form ``[scheme://]host:port``; else one line (SweepError)."""
    problem = _address_problem(address)
    if problem is not None:
        plain = address.isprintable() and address.strip() and not any(c.isspace() for c in address)
        shown = address if plain else repr(address)
        raise SweepError([f"scheduler {shown}: {problem}; {EXPECTED}"])


def connect_timeout() -> float:
    """Seconds to wait for the scheduler: :data:`CONNECT_TIMEOUT_S`, or dask's connect timeout
    if shorter (dask.distributed must be imported)."""
    import dask.config
    from dask.utils import parse_timedelta

    try:
        configured = parse_timedelta(dask.config.get("distributed.comm.timeouts.connect"), "s")
    except (KeyError, TypeError, ValueError):
        configured = None
    return min(CONNECT_TIMEOUT_S, configured) if configured else CONNECT_TIMEOUT_S


def connect(address: str) -> Client:
    """A client of the cluster at ``address`` (checked first), or one line (SweepError) if the
    form is wrong, dask.distributed is missing, or the scheduler does not answer in time. The
    caller closes the client."""
    check_address(address)
    try:
        from distributed import Client
    except ImportError:
        raise SweepError(["scheduler: needs dask.distributed: pip install 'unsc-sim[distributed]'"]) from None
    timeout = connect_timeout()
    # Built in two steps so that a client whose __init__ fails can still be closed here: its
    # __del__ would otherwise close it at interpreter exit, wait a minute for an event loop
    # already stopped, and print a traceback.
    client = Client.__new__(Client)
    try:
        client.__init__(address, set_as_default=False, timeout=timeout)
    except BaseException as exc:  # refused, timed out, not a scheduler, bad address: one line
        _discard(client)
        if not isinstance(exc, Exception):  # Ctrl-C while waiting
            raise
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise SweepError(
            [f"scheduler {address}: cannot connect: {reason}; is a dask scheduler running there?"]
        ) from None
    return client


def _discard(client: Client) -> None:
    """Close a client that failed to connect, so that its ``__del__`` has nothing left to do."""
    with suppress(Exception):
        client.close(timeout=CLOSE_TIMEOUT_S)
    if getattr(client, "status", "closed") != "closed":
        with suppress(Exception):
            client._loop_runner.stop()
        client.status = "closed"


def run_dask(tasks: Iterator[Any], scheduler: str | Client) -> Iterator[dict[str, np.ndarray]]:
    """An existing dask.distributed cluster (its workers need unsc-sim installed): ``scheduler``
    is a connected client (left open) or an address (connected now, before the first unit is
    asked for, and closed when the units are done or the iterator is closed)."""
    if isinstance(scheduler, str):
        client = connect(scheduler)
        return _run_on(client, tasks, owned=True)
    return _run_on(scheduler, tasks, owned=False)


def _run_on(client: Client, tasks: Iterator[Any], owned: bool) -> Iterator[dict[str, np.ndarray]]:
    from distributed import as_completed

    try:
        tasks = iter(tasks)
        window = max(4, 2 * sum(client.nthreads().values()))
        initial = [client.submit(run_unit, task, pure=False) for _, task in zip(range(window), tasks)]
        queue = as_completed(initial, loop=client.loop)
        for future in queue:
            result = future.result()
            future.release()
            following = next(tasks, None)
            if following is not None:
                queue.add(client.submit(run_unit, following, pure=False))
            yield result
    finally:
        if owned:
            client.close()
