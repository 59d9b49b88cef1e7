"""A real HTTP server on 127.0.0.1 that speaks FRED's formats, scriptable for fault tests.

Endpoints (same paths, parameters and bodies as FRED):

* ``/fred/series/observations?series_id=&api_key=&observation_start=&observation_end=
  &file_type=json|xml[&limit=&offset=]`` — the API; XML when ``file_type`` is absent (that is
  what ``fredapi`` requests and parses), JSON for ``file_type=json``. API-key and unknown-series
  errors use FRED's error bodies (``{"error_code":400,"error_message":...}`` /
  ``<error code="400" message="..."/>``).
* ``/fred/series?series_id=&api_key=`` — series metadata (``fredapi.Fred.get_series_info``).
* ``/graph/fredgraph.csv?id=&cosd=&coed=`` — the keyless CSV download
  (``observation_date,<ID>`` header, or ``DATE,<ID>`` with ``csv_date_header="DATE"``).

Usage::

    with FakeFred({"DGS10": [("2020-01-02", "1.88"), ("2020-01-03", ".")]}) as fred:
        fred.fail("DGS10", [429, 429], retry_after=1)   # two 429s, then normal service
        fred.behave("DGS10", "slow", 503, "truncated")  # queued one-shot behaviours
        fred.always("DGS2", "html")                     # every DGS2 request, until cleared
        src = FredSource(api_key=fred.api_key, api_base_url=fred.api_base_url)
        ...
        assert len(fred.requests_for("DGS10")) == 3

Behaviours (queued per series with :meth:`FakeFred.behave`, consumed one per request for that
series, on any endpoint; :meth:`FakeFred.always` sets one used when the queue is empty):

* an ``int`` status: that status with FRED's error body for it (API: JSON/XML; CSV: HTML page)
* ``"ok"``: serve normally · ``"slow"``: wait ``slow_seconds`` then serve normally
* ``"truncated"``: ``Content-Length`` of the full body, half the body sent, connection closed
* ``"cut"``: a complete-looking response whose body is the first half of the real one (a CSV
  cut exactly at a line end is indistinguishable from a shorter series, as with real FRED)
* ``"html"``: 200 with an HTML error page · ``"wrong_type"``: the normal body with a wrong
  ``Content-Type`` · ``"malformed"``: 200, right content type, broken body · ``"empty"``: 200,
  empty body · ``"drop"``: close the connection without answering
* ``"missing"``: FRED's unknown-series answer · ``"bad_key"``: FRED's unregistered-key answer
* :class:`Respond`: any status/body/content type/headers/delay (``body=None`` = FRED's
  standard body for that status); ``trickle=s`` sends the body one byte every ``s`` seconds

Data faults (a duplicate or backwards date, 1e308, a 900 % yield) are just data: rows are served
verbatim and in the given order, e.g. ``fred.set_series("DGS10", [("2020-01-03", "1"),
("2020-01-02", "900")])``; :meth:`FakeFred.remove_series` makes a series disappear.

Every request is recorded (:class:`RecordedRequest`: path, endpoint, series, the full query
including ``api_key``, monotonic receive time, status sent, behaviour used).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from xml.sax.saxutils import quoteattr

#: A well-formed key (32 lower-case alphanumerics, like FRED's); FakeFred accepts only this one.
VALID_API_KEY = "0123456789abcdef0123456789abcdef"
KEY_DOCS = "Read https://fred.stlouisfed.org/docs/api/api_key.html for more information."
REALTIME = "2026-07-23"
EARLIEST = "1776-07-04"
LATEST = "9999-12-31"
BEHAVIOURS = frozenset(
    {
        "ok",
        "slow",
        "truncated",
        "cut",
        "html",
        "wrong_type",
        "malformed",
        "empty",
        "drop",
        "missing",
        "bad_key",
    }
)
STATUS_TEXT = {
    400: "Bad Request.",
    401: "Unauthorized.",
    403: "Forbidden.",
    404: "Not Found.",
    408: "Request Timeout.",
    423: "Locked.",
    429: "Too Many Requests.  Exceeded Rate Limit",
    500: "Internal Server Error.",
    502: "Bad Gateway.",
    503: "Service Unavailable.",
    504: "Gateway Timeout.",
}
_KEY_SHAPE = re.compile(r"^[a-z0-9]{32}$")
_DATE_SHAPE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

Rows = list[tuple[str, str]]


@dataclass(frozen=True)
class Respond:
    """A custom response; ``body=None`` means FRED's standard body for ``status``."""

    status: int = 200
    body: bytes | str | None = None
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    #: send the body one byte at a time, this many seconds apart (a trickling server)
    trickle: float = 0.0


Behaviour = int | str | Respond


@dataclass
class RecordedRequest:
    method: str
    path: str
    endpoint: str  # "observations" | "series" | "csv" | "other"
    series_id: str | None
    query: dict[str, str]  # as sent, api_key included
    time: float  # time.monotonic() when the request line was read
    status: int | None = None  # status sent (None: connection dropped)
    behaviour: str = "ok"

    @property
    def api_key(self) -> str | None:
        return self.query.get("api_key")

    @property
    def redacted_query(self) -> dict[str, str]:
        return {k: ("***" if k == "api_key" else v) for k, v in self.query.items()}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    fake: FakeFred


class FakeFred:
    """A loopback FRED; see the module docstring. Thread-safe; use as a context manager."""

    def __init__(
        self,
        series: dict[str, Iterable[tuple[str, str]]] | None = None,
        *,
        api_key: str | None = VALID_API_KEY,
        csv_date_header: str = "observation_date",
        slow_seconds: float = 5.0,
        realtime: str = REALTIME,
    ):
        """``api_key=None`` accepts any well-formed key."""
        self.api_key = api_key
        self.csv_date_header = csv_date_header
        self.slow_seconds = slow_seconds
        self.realtime = realtime
        self._lock = threading.Lock()
        self._data: dict[str, Rows] = {}
        self._titles: dict[str, str] = {}
        self._queues: dict[str, deque[Behaviour]] = {}
        self._always: dict[str, Behaviour] = {}
        self._requests: list[RecordedRequest] = []
        self._stop = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        for sid, rows in (series or {}).items():
            self.set_series(sid, rows)

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> FakeFred:
        if self._server is not None:
            return self
        self._stop.clear()
        server = _Server(("127.0.0.1", 0), _Handler)
        server.fake = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"FakeFred:{server.server_address[1]}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._stop.set()  # wakes "slow" handlers
        server.shutdown()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeFred:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeFred is not running")
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_base_url(self) -> str:
        return f"{self.base_url}/fred"

    @property
    def csv_base_url(self) -> str:
        return f"{self.base_url}/graph/fredgraph.csv"

    # -- data -----------------------------------------------------------------------------

    def set_series(
        self, series_id: str, rows: Iterable[tuple[str, str]], *, title: str | None = None
    ) -> None:
        """Serve ``rows`` (date text, value text) verbatim and in this order."""
        with self._lock:
            self._data[series_id] = [(str(d), str(v)) for d, v in rows]
            if title is not None:
                self._titles[series_id] = title

    add_series = set_series

    def remove_series(self, series_id: str) -> None:
        """The series disappears: FRED answers "The series does not exist." / 404."""
        with self._lock:
            self._data.pop(series_id, None)

    def rows(self, series_id: str) -> Rows:
        with self._lock:
            return list(self._data.get(series_id, []))

    # -- scripting ------------------------------------------------------------------------

    def behave(self, series_id: str, *behaviours: Behaviour) -> None:
        """Queue one-shot behaviours for the next requests of ``series_id`` (any endpoint)."""
        for b in behaviours:
            _check_behaviour(b)
        with self._lock:
            self._queues.setdefault(series_id, deque()).extend(behaviours)

    def fail(
        self, series_id: str, statuses: Sequence[int], *, retry_after: float | str | None = None
    ) -> None:
        """Queue these statuses (FRED error bodies), with ``Retry-After`` when given."""
        headers = {} if retry_after is None else {"Retry-After": _fmt_retry_after(retry_after)}
        self.behave(series_id, *(Respond(status=int(s), headers=headers) for s in statuses))

    def always(self, series_id: str, behaviour: Behaviour | None) -> None:
        """Use ``behaviour`` whenever the queue of ``series_id`` is empty (None clears)."""
        with self._lock:
            if behaviour is None:
                self._always.pop(series_id, None)
            else:
                _check_behaviour(behaviour)
                self._always[series_id] = behaviour

    def pending(self, series_id: str) -> int:
        """How many queued one-shot behaviours are left for ``series_id``."""
        with self._lock:
            return len(self._queues.get(series_id, ()))

    def reset(self) -> None:
        """Clear scripts and the request log (data is kept)."""
        with self._lock:
            self._queues.clear()
            self._always.clear()
            self._requests.clear()

    # -- request log ----------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def requests_for(self, series_id: str, endpoint: str | None = None) -> list[RecordedRequest]:
        return [
            r
            for r in self.requests
            if r.series_id == series_id and (endpoint is None or r.endpoint == endpoint)
        ]

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    # -- internals used by the handler ----------------------------------------------------

    def _next_behaviour(self, series_id: str | None) -> Behaviour:
        if series_id is None:
            return "ok"
        with self._lock:
            queue = self._queues.get(series_id)
            if queue:
                return queue.popleft()
            return self._always.get(series_id, "ok")

    def _record(self, rec: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(rec)


def _check_behaviour(b: Behaviour) -> None:
    if isinstance(b, Respond) or (isinstance(b, int) and not isinstance(b, bool)):
        return
    if b not in BEHAVIOURS:
        raise ValueError(f"unknown behaviour {b!r}; expected an int, Respond or {BEHAVIOURS}")


def _fmt_retry_after(value: float | str) -> str:
    if isinstance(value, str):
        return value
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


# -- FRED bodies ------------------------------------------------------------------------------


@dataclass
class _Out:
    status: int
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)


def _api_error(status: int, message: str, file_type: str) -> _Out:
    if file_type == "json":
        body = json.dumps({"error_code": status, "error_message": message})
        return _Out(status, body.encode(), "application/json; charset=UTF-8")
    body = (
        '<?xml version="1.0" encoding="utf-8" ?>\n'
        f"<error code={quoteattr(str(status))} message={quoteattr(message)}/>\n"
    )
    return _Out(status, body.encode(), "text/xml; charset=UTF-8")


def _html_page(status: int, title: str) -> bytes:
    return (
        "<!DOCTYPE html>\n<html><head><title>"
        f"{status} {title}</title></head><body><h1>{title}</h1>"
        "<p>FRED is temporarily unable to serve this request.</p></body></html>\n"
    ).encode()


def _observations_body(
    rows: Rows, q: dict[str, str], realtime: str, file_type: str, total: int, offset: int
) -> _Out:
    limit = int(q.get("limit", "100000"))
    start = q.get("observation_start", EARLIEST)
    end = q.get("observation_end", LATEST)
    meta: dict[str, Any] = {
        "realtime_start": realtime,
        "realtime_end": realtime,
        "observation_start": start,
        "observation_end": end,
        "units": "lin",
        "output_type": 1,
        "file_type": file_type,
        "order_by": "observation_date",
        "sort_order": "asc",
        "count": total,
        "offset": offset,
        "limit": limit,
    }
    if file_type == "json":
        doc = dict(meta)
        doc["observations"] = [
            {"realtime_start": realtime, "realtime_end": realtime, "date": d, "value": v}
            for d, v in rows
        ]
        return _Out(200, json.dumps(doc).encode(), "application/json; charset=UTF-8")
    attrs = " ".join(f"{k}={quoteattr(str(v))}" for k, v in meta.items())
    lines = ['<?xml version="1.0" encoding="utf-8" ?>', f"<observations {attrs}>"]
    rt = quoteattr(realtime)
    lines += [
        f"  <observation realtime_start={rt} realtime_end={rt} "
        f"date={quoteattr(d)} value={quoteattr(v)}/>"
        for d, v in rows
    ]
    lines.append("</observations>")
    return _Out(200, ("\n".join(lines) + "\n").encode(), "text/xml; charset=UTF-8")


def _series_body(series_id: str, rows: Rows, title: str, realtime: str, file_type: str) -> _Out:
    dates = [d for d, _ in rows]
    info = {
        "id": series_id,
        "realtime_start": realtime,
        "realtime_end": realtime,
        "title": title,
        "observation_start": min(dates) if dates else EARLIEST,
        "observation_end": max(dates) if dates else EARLIEST,
        "frequency": "Daily",
        "frequency_short": "D",
        "units": "Percent",
        "units_short": "%",
        "seasonal_adjustment": "Not Seasonally Adjusted",
        "seasonal_adjustment_short": "NSA",
        "last_updated": f"{realtime} 15:16:03-05",
        "popularity": 50,
        "notes": "Served by tests/fred_server.py",
    }
    if file_type == "json":
        doc = {"realtime_start": realtime, "realtime_end": realtime, "seriess": [info]}
        return _Out(200, json.dumps(doc).encode(), "application/json; charset=UTF-8")
    attrs = " ".join(f"{k}={quoteattr(str(v))}" for k, v in info.items())
    rt = quoteattr(realtime)
    body = (
        '<?xml version="1.0" encoding="utf-8" ?>\n'
        f"<seriess realtime_start={rt} realtime_end={rt}>\n  <series {attrs}/>\n</seriess>\n"
    )
    return _Out(200, body.encode(), "text/xml; charset=UTF-8")


def _in_range(d: str, start: str | None, end: str | None) -> bool:
    return (start is None or d >= start) and (end is None or d <= end)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # silence stderr
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server naming)
        fake = self.server.fake
        received = time.monotonic()
        parts = urlsplit(self.path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        path = parts.path.rstrip("/")
        if path == "/fred/series/observations":
            endpoint, sid = "observations", query.get("series_id")
        elif path == "/fred/series":
            endpoint, sid = "series", query.get("series_id")
        elif path == "/graph/fredgraph.csv":
            endpoint, sid = "csv", query.get("id")
        else:
            endpoint, sid = "other", None
        behaviour = fake._next_behaviour(sid)
        rec = RecordedRequest(
            "GET", parts.path, endpoint, sid, query, received, None, _behaviour_name(behaviour)
        )
        fake._record(rec)
        try:
            self._respond(fake, rec, behaviour)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self.close_connection = True

    # -- behaviour dispatch -----------------------------------------------------------------

    def _respond(self, fake: FakeFred, rec: RecordedRequest, behaviour: Behaviour) -> None:
        if behaviour == "drop":
            self.close_connection = True
            return
        if behaviour == "slow":
            if fake._stop.wait(fake.slow_seconds):
                self.close_connection = True
                return
            behaviour = "ok"
        delay = behaviour.delay if isinstance(behaviour, Respond) else 0.0
        if delay and fake._stop.wait(delay):
            self.close_connection = True
            return
        out = self._build(fake, rec, behaviour)
        if behaviour == "truncated":
            rec.status = out.status
            self._send(out, body=out.body[: max(1, len(out.body) // 2)], length=len(out.body))
            self.close_connection = True
            return
        if behaviour == "cut":
            out.body = out.body[: max(1, len(out.body) // 2)]
        rec.status = out.status
        if isinstance(behaviour, Respond) and behaviour.trickle:
            self._send(out, body=b"", length=len(out.body))
            for i in range(len(out.body)):
                if fake._stop.wait(behaviour.trickle):
                    break
                self.wfile.write(out.body[i : i + 1])
                self.wfile.flush()
            self.close_connection = True
            return
        self._send(out)

    def _build(self, fake: FakeFred, rec: RecordedRequest, behaviour: Behaviour) -> _Out:
        q = rec.query
        api = rec.endpoint in ("observations", "series")
        file_type = q.get("file_type", "xml") if api else "csv"
        if file_type not in ("xml", "json"):
            file_type = "xml" if api else "csv"
        if isinstance(behaviour, int):
            behaviour = Respond(status=behaviour)
        if isinstance(behaviour, Respond):
            return self._custom(rec, behaviour, file_type)
        if behaviour == "html":
            return _Out(200, _html_page(200, "Error"), "text/html; charset=UTF-8")
        if behaviour == "empty":
            return _Out(200, b"", _content_type(file_type))
        if behaviour == "malformed":
            return _Out(200, _malformed(file_type, rec.series_id or "X"), _content_type(file_type))
        if behaviour == "missing":
            return self._missing(rec, file_type)
        if behaviour == "bad_key" and api:  # the CSV download has no key: served normally
            return _api_error(400, _bad_key_message(), file_type)
        out = self._normal(fake, rec, file_type)
        if behaviour == "wrong_type" and out.status == 200:
            out.content_type = (
                "application/json; charset=UTF-8" if file_type == "csv" else "application/pdf"
            )
        return out

    def _custom(self, rec: RecordedRequest, r: Respond, file_type: str) -> _Out:
        if r.body is not None:
            body = r.body.encode() if isinstance(r.body, str) else r.body
            ctype = r.content_type or _content_type(file_type)
            return _Out(r.status, body, ctype, dict(r.headers))
        if r.status == 200:
            out = self._normal(self.server.fake, rec, file_type)
        elif file_type == "csv" or rec.endpoint == "other":
            text = STATUS_TEXT.get(r.status, "Error").rstrip(".")
            out = _Out(r.status, _html_page(r.status, text), "text/html; charset=UTF-8")
        else:
            out = _api_error(r.status, STATUS_TEXT.get(r.status, "Error."), file_type)
        if r.content_type:
            out.content_type = r.content_type
        out.headers.update(r.headers)
        return out

    def _missing(self, rec: RecordedRequest, file_type: str) -> _Out:
        if rec.endpoint in ("observations", "series"):
            return _api_error(400, "Bad Request.  The series does not exist.", file_type)
        return _Out(404, _html_page(404, "Series Not Found"), "text/html; charset=UTF-8")

    def _normal(self, fake: FakeFred, rec: RecordedRequest, file_type: str) -> _Out:
        q = rec.query
        sid = rec.series_id
        if rec.endpoint == "other":
            return _Out(404, _html_page(404, "Not Found"), "text/html; charset=UTF-8")
        if rec.endpoint in ("observations", "series"):
            if "file_type" in q and q["file_type"] not in ("xml", "json"):
                return _api_error(
                    400,
                    "Bad Request.  Variable file_type is not one of the values: "
                    "'xml', 'json', 'xlsx', 'zip'.",
                    "xml",
                )
            problem = _key_problem(q.get("api_key"), fake.api_key)
            if problem:
                return _api_error(400, problem, file_type)
            if not sid:
                return _api_error(400, "Bad Request.  Variable series_id is not set.", file_type)
            for var in ("observation_start", "observation_end"):
                if var in q and not _DATE_SHAPE.match(q[var]):
                    return _api_error(
                        400,
                        f"Bad Request.  Variable {var} is not a valid date in "
                        "the YYYY-MM-DD format.",
                        file_type,
                    )
        with fake._lock:
            rows = list(fake._data[sid]) if sid in fake._data else None
            title = fake._titles.get(sid or "", f"Fake FRED series {sid}")
        if rows is None:
            return self._missing(rec, file_type)
        if rec.endpoint == "series":
            return _series_body(sid, rows, title, fake.realtime, file_type)
        if rec.endpoint == "observations":
            start, end = q.get("observation_start"), q.get("observation_end")
            kept = [(d, v) for d, v in rows if _in_range(d, start, end)]
            offset = int(q.get("offset", "0") or 0)
            limit = int(q.get("limit", "100000") or 100000)
            page = kept[offset : offset + limit]
            return _observations_body(page, q, fake.realtime, file_type, len(kept), offset)
        start, end = q.get("cosd") or None, q.get("coed") or None
        lines = [f"{fake.csv_date_header},{sid}"]
        lines += [f"{d},{v}" for d, v in rows if _in_range(d, start, end)]
        return _Out(200, ("\n".join(lines) + "\n").encode(), "text/csv; charset=UTF-8")

    def _send(self, out: _Out, body: bytes | None = None, length: int | None = None) -> None:
        body = out.body if body is None else body
        self.send_response(out.status)
        self.send_header("Content-Type", out.content_type)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        for name, value in out.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()


def _behaviour_name(b: Behaviour) -> str:
    if isinstance(b, Respond):
        return f"respond:{b.status}"
    if isinstance(b, int):
        return f"respond:{b}"
    return str(b)


def _content_type(file_type: str) -> str:
    return {
        "json": "application/json; charset=UTF-8",
        "xml": "text/xml; charset=UTF-8",
    }.get(file_type, "text/csv; charset=UTF-8")


def _malformed(file_type: str, series_id: str) -> bytes:
    if file_type == "json":
        return b'{"realtime_start":"2026-07-23","observations":[{"date":"2020-01-02",value:}'
    if file_type == "xml":
        return b'<?xml version="1.0"?>\n<observations count="1"><observation date="2020-01-02"'
    return f"observation_date,{series_id}\n2020-01-02,1.88\nnot-a-date,???\n".encode()


def _bad_key_message() -> str:
    return f"Bad Request.  The value for variable api_key is not registered.  {KEY_DOCS}"


def _key_problem(key: str | None, valid: str | None) -> str | None:
    """FRED's own error text for a missing, malformed or unregistered key."""
    if not key:
        return f"Bad Request.  Variable api_key is not set.  {KEY_DOCS}"
    if not _KEY_SHAPE.match(key):
        return (
            "Bad Request.  The value for variable api_key is not a 32 character "
            f"alpha-numeric lower-case string.  {KEY_DOCS}"
        )
    if valid is not None and key != valid:
        return _bad_key_message()
    return None
