"""Admission to citizens' writes: how many may wait for the write lock in one process at once.

Every write queues for one lock (``server.store.db.WriterQueue`` in a process on SQLite, the log's advisory lock on
PostgreSQL): a drafter's keystroke waits behind every comment that arrived before it. Behind a long write (a
consolidation, an import) or a busy database, a flood of comments (a campaign, a bot) would line up there by the
hundreds, each answered seconds later. Beyond a bound, a citizen's write is turned away with 429 and
``Retry-After`` before it costs anything more (its token is not looked up, its body not checked); nothing turned
away was written.

The bound follows the pace of the writes. A write let in waits for those ahead of it: with ``rate`` writes answered
a second, ``pending`` of them ahead mean a wait near ``pending / rate`` (Little's law). The gate lets in as many
as the pace of the last second answers within ``COMMENT_INTAKE_TARGET_WAIT_MS``, never fewer than
``COMMENT_INTAKE_MIN_PENDING`` (a quiet process has no pace yet; behind a long write it has none at all) nor more
than ``COMMENT_INTAKE_MAX_PENDING``. A fixed bound either made a flood's accepted writes wait seconds on a slow
machine, or refused writes a fast one would have answered in time.

While every place is taken, a citizen's write is refused before Flask sees it (:class:`CrowdedDoor`): Flask's way
to the same 429 (a request context, the session, the checks before the view, the error handler, the hooks after
it) cost ~340 µs of CPU, and with a thousand connections flooding one process each turn of its loop held a thousand
of those refusals, a third of a second that the writes let in waited through.

A refusal (any 429) waits for the loop to have nothing better to do before it is answered
(:func:`server.evented.give_way`): in a flood most requests are refused, and each one answered at once took its
turn of the loop from the writes already let in, which waited a turn of all the refusals at every step.

The writes admitted are run by the process's :class:`~server.store.group_commit.GroupCommit`: those that arrive
together share one transaction and one commit (see that module).
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from flask import Flask, Response, current_app, g, request
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.routing import Map, MapAdapter, Rule

from server.domain.wording import wording
from server.errors import IntakeBusy
from server.evented import give_way
from server.http.i18n import LANGUAGES, SESSION_KEY, localized
from server.http.security import security_headers
from server.store.group_commit import GroupCommit, T, Work

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

#: Seconds a client turned away is asked to wait before it tries again.
RETRY_AFTER_SECONDS = 1
#: The stretch of time over which the pace of the writes is taken.
PACE_SECONDS = 1.0


class IntakeGate:
    """The citizens' writes this process has admitted and not yet answered, and how many it admits at once."""

    def __init__(self, ceiling: int, *, floor: int = 16, target_wait: float = 0.1,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if ceiling < 1 or floor < 1:
            raise ValueError(f"the intake bounds must be at least 1; found {floor} and {ceiling}")
        if not target_wait > 0:
            raise ValueError(f"the intake's target wait must be more than 0 seconds; found {target_wait}")
        self.ceiling = ceiling
        self.floor = floor
        self.target_wait = target_wait
        self._clock = clock
        self._guard = threading.Lock()
        self._pending = 0
        self._answered: deque[float] = deque()  # when each write of the last PACE_SECONDS was answered

    @property
    def pending(self) -> int:
        return self._pending

    @property
    def pace(self) -> float:
        """Writes answered a second, over the last :data:`PACE_SECONDS`."""
        with self._guard:
            self._forget_old_answers()
            return len(self._answered) / PACE_SECONDS

    @property
    def limit(self) -> int:
        """How many writes may be pending at once now."""
        by_pace = math.ceil(self.target_wait * self.pace)
        return min(self.ceiling, max(self.floor, by_pace))

    @property
    def full(self) -> bool:
        return self._pending >= self.limit

    def _forget_old_answers(self) -> None:
        since = self._clock() - PACE_SECONDS
        while self._answered and self._answered[0] < since:
            self._answered.popleft()

    def enter(self) -> None:
        """Take a place; :class:`IntakeBusy` when every place is taken."""
        limit = self.limit
        with self._guard:
            if self._pending >= limit:
                raise busy()
            self._pending += 1

    def leave(self, *, wrote: bool) -> None:
        """Give the place back; a write that was run (whatever its outcome) counts toward the pace."""
        with self._guard:
            self._pending -= 1
            if wrote:
                self._answered.append(self._clock())

    @contextmanager
    def admit(self) -> Iterator[None]:
        """Hold a place while the write runs; :class:`IntakeBusy` when every place is taken."""
        self.enter()
        try:
            yield
        finally:
            self.leave(wrote=True)


def busy() -> IntakeBusy:
    return IntakeBusy(wording("many comments are arriving at once and yours was not taken; send it again in a "
                              "moment"), retry_after=RETRY_AFTER_SECONDS)


class CrowdedDoor:
    """WSGI, around the application: while every place is taken, a citizen's write is refused before Flask sees it.

    What it answers is what the door in Flask answers (``intake_busy``, ``Retry-After``, the security headers), in
    the language Flask would answer in, each language's answer made once, the first time it is needed; its cost is
    a look at the gate and, for a write while the line is full, a match of the path among the citizens' write
    endpoints and a look at what chooses the language. The door in Flask stays the one that takes places: between
    this look and that one the line may fill, and then Flask refuses the write.
    """

    def __init__(self, app: WSGIApplication, flask_app: Flask, gate: IntakeGate, endpoints: frozenset[str]) -> None:
        self.app = app
        self.flask_app = flask_app
        self.gate = gate
        self.writes = _write_rules(flask_app, endpoints)
        self.headers = [("Retry-After", str(RETRY_AFTER_SECONDS)), *security_headers(flask_app.config).items()]
        self.status = f"{IntakeBusy.status} {HTTP_STATUS_CODES[IntakeBusy.status].upper()}"
        self._answers: dict[str, tuple[bytes, list[tuple[str, str]]]] = {}
        self._preferred: dict[str, str] = {}  # Accept-Language → the language it chooses ("": none)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "")
        if method in _WRITE_METHODS and self.gate.full and self._is_citizen_write(environ.get("PATH_INFO", ""), method):
            give_way()
            body, headers = self._answer(self._language(environ))
            start_response(self.status, list(headers))
            return [body]
        return self.app(environ, start_response)

    def _language(self, environ: WSGIEnvironment) -> str:
        """The language Flask answers this request in, chosen as :func:`server.http.i18n.select_locale` chooses it
        (``?lang=``, else the session's, else the browser's preference), without Flask's request context."""
        flask_app = self.flask_app
        request = flask_app.request_class(environ)
        languages = tuple(flask_app.config.get("LANGUAGES") or LANGUAGES)
        # Each source is read only when the request has it: most writes of a flood carry none of them.
        chosen: object = (request.args.get("lang") or "").strip().lower() if environ.get("QUERY_STRING") else None
        if chosen not in languages and environ.get("HTTP_COOKIE"):
            session = flask_app.session_interface.open_session(flask_app, request)
            chosen = session.get(SESSION_KEY) if session is not None else None
        if chosen in languages:
            return str(chosen)
        accepted = environ.get("HTTP_ACCEPT_LANGUAGE")
        preferred = self._preferred.get(accepted) if accepted else None
        if accepted and preferred is None:
            # A flood's requests carry few distinct headers: each is parsed once (while few are seen).
            preferred = request.accept_languages.best_match(languages) or ""
            if len(self._preferred) < _PREFERENCES_KEPT:
                self._preferred[accepted] = preferred
        return preferred or str(flask_app.config.get("BABEL_DEFAULT_LOCALE", "en"))

    def _answer(self, language: str) -> tuple[bytes, list[tuple[str, str]]]:
        """The refusal's body and headers in ``language``: worded by Flask's own translation, in a request of that
        language, the first time (two threads that both make it make the same)."""
        answer = self._answers.get(language)
        if answer is None:
            with self.flask_app.test_request_context(headers={"Accept-Language": language}):
                refusal = busy()
                body = json.dumps({"error": {**refusal.to_dict(), "message": localized(refusal.message)}})
            encoded = body.encode("utf-8")
            answer = self._answers[language] = (
                encoded, [("Content-Type", "application/json"), ("Content-Length", str(len(encoded))), *self.headers])
        return answer

    def _is_citizen_write(self, path: str, method: str) -> bool:
        try:
            self.writes.match(path, method=method)
        except HTTPException:  # not found, another method, or a redirect to the canonical path: Flask answers
            return False
        return True


_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: How many Accept-Language headers the door keeps the choice of.
_PREFERENCES_KEPT = 256


def _write_rules(app: Flask, endpoints: frozenset[str]) -> MapAdapter:
    """The routes of ``endpoints`` alone, to match a request against without building Flask's request for it."""
    rules = [Rule(rule.rule, endpoint=rule.endpoint, methods=sorted(rule.methods or ()))
             for rule in app.url_map.iter_rules() if rule.endpoint in endpoints]
    missing = endpoints - {rule.endpoint for rule in rules}
    if missing:
        raise ValueError(f"citizens' write endpoints without a route: {', '.join(sorted(missing))}")
    writes = Map(rules, converters=app.url_map.converters, strict_slashes=app.url_map.strict_slashes)
    return writes.bind("parley.invalid")


def intake_gate() -> IntakeGate:
    gate: IntakeGate = current_app.extensions["parley.intake"]
    return gate


def citizen_writes() -> GroupCommit:
    """The group commit that runs citizens' writes in this process."""
    writes: GroupCommit = current_app.extensions["parley.citizen_writes"]
    return writes


def write_as_citizen(work: Work[T]) -> T:
    """Run one citizen's write in its batch, in the place its request took at the door (or one taken now)."""
    if g.get(_PLACE):
        try:
            return citizen_writes().run(work)
        finally:
            g.setdefault(_WROTE, True)
    with intake_gate().admit():
        return citizen_writes().run(work)


# Set on a request to a citizens' write endpoint that holds a place in the line, and once its write has run.
_PLACE = "parley_intake_place"
_WROTE = "parley_intake_wrote"


def init_intake(app: Flask, writes: Iterable[str]) -> None:
    """Bound the citizens' write endpoints ``writes``: each request to one holds a place from the door to its answer."""
    gate = app.extensions["parley.intake"] = IntakeGate(
        int(app.config.get("COMMENT_INTAKE_MAX_PENDING", 128)),
        floor=int(app.config.get("COMMENT_INTAKE_MIN_PENDING", 16)),
        target_wait=int(app.config.get("COMMENT_INTAKE_TARGET_WAIT_MS", 100)) / 1000,
    )
    endpoints = frozenset(writes)
    app.wsgi_app = CrowdedDoor(app.wsgi_app, app, gate, endpoints)  # type: ignore[method-assign]

    @app.before_request
    def _admit_at_the_door() -> None:
        # Before a bearer token is looked up and the body checked against its schema (registered ahead of those):
        # in a flood, turning a post away must cost next to nothing, or the refusals eat the time of those let in;
        # and those let in count from here, so that the ones still being checked are not let in beyond the bound.
        # OPTIONS is answered by Flask without the view: it is no write.
        if request.endpoint not in endpoints or request.method == "OPTIONS":
            return
        # The body is read first: a client that trickles it in must not hold a place while it does.
        request.get_data(cache=True)
        gate.enter()
        g.setdefault(_PLACE, True)

    def give_place_back() -> None:
        if g.pop(_PLACE, False):
            gate.leave(wrote=g.pop(_WROTE, False))

    @app.after_request
    def _refusals_give_way(response: Response) -> Response:
        if response.status_code == 429:
            # A request refused after the door (its account's budget spent) leaves the line before it waits.
            give_place_back()
            give_way()
        return response

    @app.teardown_request
    def _leave(_error: BaseException | None) -> None:
        give_place_back()

    app.extensions["parley.citizen_writes"] = GroupCommit(
        app.extensions["parley.db"], max_batch=int(app.config.get("COMMENT_INTAKE_BATCH", 64)))
