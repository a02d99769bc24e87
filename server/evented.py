"""One event loop for a serving process: gevent, decided before anything else is imported.

A bill's room fans every edit out to every drafter and reader in it. In threading mode each WebSocket holds a
thread and every frame sent costs a thread switch under the GIL: one process then spends about 100 µs of CPU a
delivery and passes 100 ms of delivery latency with fewer than 100 clients in a bill. On gevent's loop the same
frame costs a fraction of that (docs/benchmarks.md), so serving processes — ``parley serve`` and gunicorn's
gevent worker (``deploy/gunicorn.conf.py``) — run on it.

gevent has to replace the standard library's sockets, locks and threads before any module creates one: a lock
made before patching is a real lock, and a greenlet waiting on it would block every other greenlet of the
process. So ``parley serve`` patches from the first lines of ``server.cli``, before it imports anything of
Parley, and everything else asks :func:`async_mode` which world it is in. Tests and the command-line tools
that do not serve stay in threading mode.

Work that holds the CPU for long (laying out a PDF, hashing a password) would stop the loop and every socket
with it; :func:`offload` runs it on a real thread of gevent's pool, where the interpreter still switches back
to the loop every few milliseconds. A request that is refused (429) first gives way to every other greenlet
ready to run (:func:`give_way`), so that in a flood the refusals do not take the loop's turns from the requests
let in.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")

#: The longest a refusal waits for the loop to have nothing more pressing to do.
GIVE_WAY_SECONDS = 1.0

#: ``PARLEY_WORKER=threading parley serve`` keeps the threaded werkzeug server (one thread per connection).
WORKER_ENV = "PARLEY_WORKER"


def wants_event_loop(argv: Sequence[str]) -> bool:
    """Whether this command line serves and the operator has not asked for threads."""
    serving = len(argv) > 1 and argv[1] == "serve"
    return serving and os.environ.get(WORKER_ENV, "gevent") == "gevent"


def patch_for_serving(argv: Sequence[str] = sys.argv) -> bool:
    """Patch the standard library for gevent when this process is going to serve; say whether it did."""
    if not wants_event_loop(argv):
        return False
    from gevent import monkey

    monkey.patch_all()
    return True


def is_evented() -> bool:
    """True in a process whose sockets gevent has patched (``parley serve``, gunicorn's gevent worker)."""
    if "gevent.monkey" not in sys.modules:
        return False
    from gevent import monkey

    return bool(monkey.is_module_patched("socket"))


def async_mode() -> str:
    """Flask-SocketIO's async mode for this process."""
    return "gevent" if is_evented() else "threading"


def offload(work: Callable[..., T], *args: object) -> T:
    """Run CPU-bound ``work`` off the event loop when there is one; call it directly otherwise.

    ``work`` must not touch the database session or any lock of the loop's world: it runs on another OS thread.
    """
    if not is_evented():
        return work(*args)
    import gevent

    result: T = gevent.get_hub().threadpool.apply(work, args)
    return result


def give_way(longest: float = GIVE_WAY_SECONDS) -> None:
    """Let every other greenlet that is ready run first, waiting at most ``longest`` seconds; at once on threads.

    The loop runs its ready greenlets in turn, and a write let in needs several turns (its request read, its batch,
    its answer): in a flood where most requests are refused, each turn held one refusal of every flooding client.
    Waiting for the loop to be idle puts the refusals behind that work; the bound keeps a refusal from waiting
    forever on a process that is never idle. Threads are scheduled by the interpreter, not by turns.
    """
    if not is_evented():
        return
    import gevent

    with gevent.Timeout(longest, False):
        gevent.idle()


def settle_startup_heap() -> None:
    """Keep what starting the process made (modules, mappers, compiled schemas) out of the collector's walks.

    Those objects live as long as the process. Left in the collector's oldest generation, each full collection
    walked all of them again and stopped every request of the process for ~80 ms (bench_comments' burst); frozen,
    a full collection walks only what requests made since, a few milliseconds. Called once the application is
    made, before serving.
    """
    import gc

    gc.collect()
    gc.freeze()
