"""The ``fred`` source: live observations from FRED (Federal Reserve Bank of St. Louis).

Two transports, chosen by whether an API key is configured:

* **keyed** (``api_key`` or env ``FRED_API_KEY``): the FRED API endpoint
  ``<api_base_url>/series/observations`` (default base ``https://api.stlouisfed.org/fred``,
  env override ``FRED_API_BASE_URL``) with ``observation_start``/``observation_end``;
* **keyless**: FRED's CSV download ``<csv_base_url>?id=<ID>&cosd=<start>&coed=<end>``
  (default ``https://fred.stlouisfed.org/graph/fredgraph.csv``, env override
  ``FRED_CSV_BASE_URL``), parsed by :func:`ingestion.sources.fred_format.parse_fred_csv`.

Both go through one :class:`requests.Session` per thread, one shared rate limiter and one retry
loop: HTTP 408/429/5xx, connection errors, timeouts and bodies cut short of their
``Content-Length`` are retried with exponential backoff plus jitter (``Retry-After`` is honoured
when the server sends it); 400/401/403/404 and bad bodies (HTML page, wrong content type,
malformed or truncated JSON/CSV) fail at once with :class:`SourceError` naming the series. An
unknown series (FRED's "The series does not exist." or a 404) raises :class:`SeriesUnavailable`.

Rows are returned in the order FRED sent them (ascending for any well-formed response); like the
``csv`` source we do not re-sort or de-duplicate, so ``ingestion.validation`` rejects a date that
goes backwards or repeats instead of it being hidden here. Values are not range-checked here.

Secrets: the API key is kept in a wrapper whose ``repr``/``str`` is ``***``, is sent only as a
query parameter built by requests, and is scrubbed (``api_key=***``) from every URL we log and
every exception message we raise; exceptions are raised outside ``except`` blocks so no
underlying requests/urllib3 exception (whose text contains the full URL) is chained to them.
urllib3 itself logs each request line (query string included) at DEBUG, so constructing a
source attaches a filter to the urllib3/requests loggers that rewrites ``api_key=…`` to
``api_key=***`` in their records (idempotent, process-wide, harmless to other users).

Rate limit: a tiny in-house spacing limiter (:class:`_RateLimiter`, a GCRA/token bucket with a
burst of one): no rate-limiting library is installed in the project environment (only
``backoff`` is present, transitively, and it does retries, not rate limits), and adding one
for ~20 lines was not worth a dependency. At the default 110 requests/minute there is at most
one request every 0.55 s per :class:`FredSource`, shared across threads, and every attempt
(including retries) takes a slot, so FRED's documented 120/minute is never exceeded.

Note — why the keyed path does not call ``fredapi`` (the pinned ``fredapi==0.5.2``):
its only transport is ``Fred.__fetch_data``, which does ``urllib.request.urlopen(url)`` and
``xml.etree.ElementTree.fromstring(...)``, and that makes several requirements impossible:

1. no timeout: ``urlopen`` is called without ``timeout``, so the only way to bound a hung
   request is the process-wide ``socket.setdefaulttimeout`` (not per source, not thread-safe);
2. no retry signal: every ``HTTPError`` becomes ``ValueError(<message attribute of the XML
   error body>)``, so the status code and the ``Retry-After`` header are lost (429 vs 500 vs
   400 can only be guessed from English text), and a non-XML error page (an HTML 502 from a
   proxy) escapes as a bare ``ParseError``;
3. no content checks: there is no content-type check and no Session/connection reuse;
4. silent data loss: ``get_series`` collects observations into a ``dict`` keyed by date, so a
   duplicated date in a response is merged silently, where this project's rule is that
   validation must see it (and ``""`` values crash in ``float("")`` without naming the series).

So the keyed path speaks the same API directly (same endpoint and parameters fredapi builds:
``series/observations?series_id=..&observation_start=..&observation_end=..&api_key=..``), with
``file_type=json`` (FRED's documented JSON form, parsed with the standard library instead of
XML). ``fredapi`` remains usable against the same base URL, e.g. for metadata:
``fredapi.Fred(api_key=...).root_url = api_base_url``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import random
import re
import threading
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, quote_plus, unquote, urlencode, urljoin, urlsplit, urlunsplit

import polars as pl
import requests
import urllib3

from ingestion.catalog import SeriesInfo
from ingestion.sources.base import FRAME_SCHEMA, SeriesUnavailable, SourceError, clip_range
from ingestion.sources.fred_format import MISSING_TOKENS, parse_fred_csv

LOGGER_NAME = "ingestion.sources.fred"
logger = logging.getLogger(LOGGER_NAME)

DEFAULT_API_BASE_URL = "https://api.stlouisfed.org/fred"
DEFAULT_CSV_BASE_URL = "https://fred.stlouisfed.org/graph/fredgraph.csv"
FRED_LIMIT_PER_MINUTE = 120
#: A server asking us to wait longer than this is treated as asking for this long.
MAX_RETRY_AFTER_SECONDS = 300.0
REDACTED = "***"
USER_AGENT = "bondhedge-ingestion/0.1 (+python-requests)"

JSON_CONTENT_TYPES = frozenset({"application/json", "text/json"})
CSV_CONTENT_TYPES = frozenset(
    {
        "text/csv",
        "application/csv",
        "text/comma-separated-values",
        "text/plain",
        "application/octet-stream",
    }
)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_API_KEY_PARAM = re.compile(r"(api_key=)[^&\s'\"]*", re.IGNORECASE)
_SNIPPET_CHARS = 160
_USERINFO = re.compile(r"(//)[^/@\s'\"]+@")
#: default cap on one response body (decoded): FRED's longest daily series is ~1.5 MB as JSON
DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024
MAX_REDIRECTS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024


class _Secret:
    """Holds the API key; prints as ``***`` everywhere (repr, str, f-strings, logging)."""

    __slots__ = ("_value",)

    def __init__(self, value: str):
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"'{REDACTED}'"

    def __str__(self) -> str:
        return REDACTED

    def __format__(self, spec: str) -> str:
        return REDACTED


class _RedactApiKeyFilter(logging.Filter):
    """Rewrites ``api_key=<anything>`` to ``api_key=***`` in a log record's message.

    urllib3 logs every request line (``"GET /fred/series/observations?...&api_key=..."``) at
    DEBUG on ``urllib3.connectionpool``; FRED only accepts the key as a query parameter, so
    that record would carry it. A logger's own filters run for the records it creates, so the
    filter is attached to the HTTP-stack loggers themselves (not to a handler we do not own).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record is the logging module's business, not ours
            return True
        if "api_key" in message.lower():
            record.msg = _API_KEY_PARAM.sub(rf"\g<1>{REDACTED}", message)
            record.args = None
        return True


_LOG_REDACTION = _RedactApiKeyFilter()
_HTTP_LOGGERS = (
    "urllib3",
    "urllib3.connectionpool",
    "urllib3.connection",
    "urllib3.response",
    "urllib3.util.retry",
    "requests",
    LOGGER_NAME,
)


def _install_log_redaction() -> None:
    """Idempotently attach the api_key-redacting filter to the HTTP-stack loggers."""
    for name in _HTTP_LOGGERS:
        target = logging.getLogger(name)
        if _LOG_REDACTION not in target.filters:
            target.addFilter(_LOG_REDACTION)


class _RateLimiter:
    """At most ``per_minute`` acquisitions per minute, evenly spaced; thread-safe.

    Each caller reserves the next free slot under a lock and sleeps outside it, so concurrent
    threads queue fairly and never exceed the rate (burst of one).
    """

    def __init__(self, per_minute: float):
        if not per_minute > 0:
            raise ValueError(f"max_requests_per_minute must be > 0, got {per_minute!r}")
        self.per_minute = float(per_minute)
        self.interval = 60.0 / self.per_minute
        self._lock = threading.Lock()
        self._next_slot = -math.inf

    def acquire(self) -> float:
        """Block until this caller may send; returns how long it waited (seconds)."""
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next_slot)
            self._next_slot = slot + self.interval
        wait = slot - now
        if wait > 0:
            time.sleep(wait)
        return max(wait, 0.0)


@dataclass
class _Reply:
    """A complete, non-retryable HTTP reply (body fully read)."""

    status: int
    reason: str
    content_type: str
    body: bytes
    url: str  # redacted


class FredSource:
    """Fetch FRED series through the API (with a key) or the keyless CSV download."""

    name = "fred"

    def __init__(
        self,
        api_key: str | None = None,
        *,
        api_base_url: str | None = None,
        csv_base_url: str | None = None,
        max_retries: int = 5,
        backoff_base_seconds: float = 1.0,
        max_backoff_seconds: float = 60.0,
        timeout_seconds: float = 30.0,
        max_requests_per_minute: float = 110,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ):
        """
        ``api_key``: FRED API key; ``None`` reads env ``FRED_API_KEY``; ``""`` forces keyless.
        ``max_retries``: retries after the first attempt (so at most ``max_retries + 1``
        requests per fetch). Backoff before retry *n* is ``backoff_base_seconds * 2**(n-1)``
        capped at ``max_backoff_seconds``, jittered to 50-100 % of that, and never shorter than
        a server's ``Retry-After``.
        ``timeout_seconds``: the longest one request may take, from connect to the last body
        byte (a body trickled byte by byte is cut off at this deadline, then retried).
        ``max_response_bytes``: a larger body (decoded) fails the series at once.
        Redirects are followed only within the configured origin, each hop through the rate
        limiter; a redirect to another origin is refused (the API key would go with it).
        """
        _install_log_redaction()
        key = os.environ.get("FRED_API_KEY") if api_key is None else api_key
        key = (key or "").strip()
        self._api_key: _Secret | None = _Secret(key) if key else None
        self.api_base_url = (
            api_base_url or os.environ.get("FRED_API_BASE_URL") or DEFAULT_API_BASE_URL
        ).rstrip("/")
        self.csv_base_url = (
            csv_base_url or os.environ.get("FRED_CSV_BASE_URL") or DEFAULT_CSV_BASE_URL
        ).rstrip("/")
        if max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {max_retries!r}")
        if backoff_base_seconds < 0 or max_backoff_seconds < 0:
            raise ValueError("backoff seconds must be >= 0")
        if not timeout_seconds > 0:
            raise ValueError(f"timeout_seconds must be > 0, got {timeout_seconds!r}")
        if not max_response_bytes > 0:
            raise ValueError(f"max_response_bytes must be > 0, got {max_response_bytes!r}")
        self.max_response_bytes = int(max_response_bytes)
        # user:password in a configured base URL is a credential too: scrubbed like the key
        self._url_secrets = {
            part
            for base in (self.api_base_url, self.csv_base_url)
            for part in (urlsplit(base).username, urlsplit(base).password)
            if part and len(part) >= 3
        }
        if max_requests_per_minute > FRED_LIMIT_PER_MINUTE:
            logger.warning(
                "max_requests_per_minute=%s is above FRED's limit of %s requests/minute",
                max_requests_per_minute,
                FRED_LIMIT_PER_MINUTE,
            )
        self.max_retries = int(max_retries)
        self.backoff_base_seconds = float(backoff_base_seconds)
        self.max_backoff_seconds = float(max_backoff_seconds)
        self.timeout_seconds = float(timeout_seconds)
        self._limiter = _RateLimiter(max_requests_per_minute)
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._sessions_lock = threading.Lock()

    # -- public -------------------------------------------------------------------------

    @property
    def mode(self) -> str:
        """``"api"`` when an API key is configured, else ``"csv"`` (keyless download)."""
        return "api" if self._api_key is not None else "csv"

    @property
    def max_requests_per_minute(self) -> float:
        return self._limiter.per_minute

    def fetch(self, series: SeriesInfo, start: date | None, end: date | None) -> pl.DataFrame:
        """Observations of ``series`` with start <= observation_date <= end (None = open)."""
        series_id = series.series_id
        if start is not None and end is not None and start > end:
            return pl.DataFrame(schema=FRAME_SCHEMA)
        if self._api_key is not None:
            frame = self._fetch_api(series_id, start, end)
        else:
            frame = self._fetch_csv(series_id, start, end)
        # FRED filters server-side; clipping again costs nothing and guards a sloppy server.
        return clip_range(frame, start, end)

    def close(self) -> None:
        """Close the HTTP sessions this source opened (it stays usable; new ones are made)."""
        with self._sessions_lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.close()
        self._local = threading.local()

    def __enter__(self) -> FredSource:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        if self._api_key is not None:
            where = f"api_base_url={self._scrub(self.api_base_url)!r}, api_key={self._api_key!r}"
        else:
            where = f"csv_base_url={self._scrub(self.csv_base_url)!r}, api_key=None"
        return (
            f"FredSource(mode={self.mode!r}, {where}, max_retries={self.max_retries}, "
            f"timeout_seconds={self.timeout_seconds:g}, "
            f"max_requests_per_minute={self.max_requests_per_minute:g})"
        )

    __str__ = __repr__

    # -- keyed: FRED API (JSON) ---------------------------------------------------------

    def _fetch_api(self, series_id: str, start: date | None, end: date | None) -> pl.DataFrame:
        assert self._api_key is not None
        params: dict[str, str] = {"series_id": series_id}
        if start is not None:
            params["observation_start"] = start.isoformat()
        if end is not None:
            params["observation_end"] = end.isoformat()
        params["file_type"] = "json"
        public_url = self._scrub(f"{self.api_base_url}/series/observations?{urlencode(params)}")
        params["api_key"] = self._api_key.reveal()
        reply = self._get(
            series_id,
            f"{self.api_base_url}/series/observations",
            params,
            public_url,
            start,
            end,
            accept="application/json",
        )
        if reply.status >= 300:
            raise self._api_error(series_id, reply)
        return self._parse_api_json(series_id, reply)

    def _api_error(self, series_id: str, reply: _Reply) -> SourceError:
        message = self._scrub(_error_message(reply.body))
        status = f"HTTP {reply.status} {reply.reason}".strip()
        lowered = message.lower()
        if "series does not exist" in lowered or reply.status == 404:
            return SeriesUnavailable(
                series_id, f"FRED has no such series ({status}: {message or 'not found'})"
            )
        if reply.status in (401, 403) or "api_key" in lowered or "api key" in lowered:
            return SourceError(
                series_id,
                f"FRED rejected the API key ({status}: {message or 'no detail'}); check "
                "FRED_API_KEY (a 32-character lower-case key from fredaccount.stlouisfed.org)",
            )
        return SourceError(series_id, f"FRED API refused the request ({status}: {message})")

    def _parse_api_json(self, series_id: str, reply: _Reply) -> pl.DataFrame:
        self._check_content_type(series_id, reply, JSON_CONTENT_TYPES, "JSON")
        if not reply.body.strip():
            raise SourceError(series_id, f"FRED API sent an empty body ({reply.url})")
        try:
            doc = json.loads(reply.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            problem = f"{type(exc).__name__}: {exc}"
        else:
            problem = None
        if problem is not None:
            logger.warning(
                "fred %s: malformed JSON body starts %s",
                series_id,
                _snippet(reply.body, self._scrub),
            )
            raise SourceError(
                series_id,
                f"malformed or truncated JSON from the FRED API ({_short(problem, 120)}; "
                f"{len(reply.body)} bytes)",
            )
        if not isinstance(doc, dict):
            raise SourceError(series_id, f"FRED API JSON is a {type(doc).__name__}, not an object")
        if "error_code" in doc or "error_message" in doc:
            raise SourceError(
                series_id,
                f"FRED API returned an error in a {reply.status} response: "
                f"{self._scrub(str(doc.get('error_message')))}",
            )
        observations = doc.get("observations")
        if not isinstance(observations, list):
            raise SourceError(series_id, "FRED API JSON has no 'observations' list")
        count = doc.get("count")
        if isinstance(count, int) and count != len(observations) and not doc.get("offset"):
            raise SourceError(
                series_id,
                f"FRED API reported count={count} but sent {len(observations)} observations "
                "(truncated or paginated response)",
            )
        dates: list[date] = []
        values: list[float | None] = []
        for i, obs in enumerate(observations):
            if not isinstance(obs, dict):
                raise SourceError(series_id, f"observation #{i} is not an object: {obs!r:.80}")
            date_text, value_text = obs.get("date"), obs.get("value")
            if not isinstance(date_text, str) or not _ISO_DATE.match(date_text.strip()):
                raise SourceError(
                    series_id,
                    f"unparseable date {date_text!r:.40} in observation #{i} "
                    "(rule: ISO date YYYY-MM-DD)",
                )
            try:
                day = date.fromisoformat(date_text.strip())
            except ValueError:
                raise SourceError(
                    series_id, f"invalid date {date_text!r} in observation #{i}"
                ) from None
            dates.append(day)
            values.append(_parse_value(series_id, value_text, date_text, i))
        return pl.DataFrame({"observation_date": dates, "value": values}, schema=FRAME_SCHEMA)

    # -- keyless: fredgraph.csv ---------------------------------------------------------

    def _fetch_csv(self, series_id: str, start: date | None, end: date | None) -> pl.DataFrame:
        params: dict[str, str] = {"id": series_id}
        if start is not None:
            params["cosd"] = start.isoformat()
        if end is not None:
            params["coed"] = end.isoformat()
        public_url = self._scrub(f"{self.csv_base_url}?{urlencode(params)}")
        reply = self._get(
            series_id, self.csv_base_url, params, public_url, start, end, accept="text/csv"
        )
        if reply.status == 404:
            raise SeriesUnavailable(
                series_id, f"FRED has no CSV for this series (HTTP 404 from {reply.url})"
            )
        if reply.status >= 300:
            logger.warning(
                "fred %s: CSV download refused, body starts %s",
                series_id,
                _snippet(reply.body, self._scrub),
            )
            raise SourceError(
                series_id, f"FRED CSV download refused (HTTP {reply.status} {reply.reason})"
            )
        self._check_content_type(series_id, reply, CSV_CONTENT_TYPES, "CSV")
        return parse_fred_csv(reply.body, series_id)

    # -- shared HTTP --------------------------------------------------------------------

    def _check_content_type(
        self, series_id: str, reply: _Reply, allowed: frozenset[str], what: str
    ) -> None:
        head = reply.body[:512].lstrip().lower()
        if (
            reply.content_type in ("text/html", "application/xhtml+xml")
            or head.startswith(b"<!doctype html")
            or b"<html" in head
        ):
            logger.warning(
                "fred %s: HTML page instead of %s starts %s",
                series_id,
                what,
                _snippet(reply.body, self._scrub),
            )
            raise SourceError(
                series_id,
                f"expected FRED {what} but got an HTML page (Content-Type "
                f"{reply.content_type or 'missing'!r}, HTTP {reply.status}, from {reply.url})",
            )
        if reply.content_type not in allowed:
            raise SourceError(
                series_id,
                f"unexpected Content-Type {reply.content_type or 'missing'!r} from {reply.url} "
                f"(expected {what}: one of {', '.join(sorted(allowed))})",
            )

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers["User-Agent"] = USER_AGENT
            self._local.session = session
            with self._sessions_lock:
                self._sessions.append(session)
        return session

    def _get(
        self,
        series_id: str,
        url: str,
        params: dict[str, str],
        public_url: str,
        start: date | None,
        end: date | None,
        *,
        accept: str,
    ) -> _Reply:
        """GET with rate limiting and retries; returns the first non-retryable reply."""
        attempts = self.max_retries + 1
        span = f"{start or 'open'}..{end or 'open'}"
        last = "no attempt made"
        for attempt in range(1, attempts + 1):
            self._limiter.acquire()
            began = time.monotonic()
            retry_after: float | None = None
            fatal: str | None = None
            reply: _Reply | None = None
            try:
                response, body = self._request(series_id, url, params, accept, began)
            except _Fatal as exc:
                fatal = str(exc)
            except _Retryable as exc:
                last = str(exc)
            except requests.Timeout:
                last = self._timed_out()
            except requests.exceptions.ChunkedEncodingError as exc:
                last = f"response body truncated ({self._scrub(_short(exc))})"
            except requests.ConnectionError as exc:
                last = f"connection failed ({self._scrub(_short(exc))})"
            except requests.exceptions.ContentDecodingError as exc:
                last = f"response body could not be decoded ({self._scrub(_short(exc))})"
            except requests.RequestException as exc:  # bad URL, invalid schema, ...
                fatal = f"request could not be sent ({self._scrub(_short(exc))})"
            else:
                status = response.status_code
                reply = _Reply(
                    status=status,
                    reason=response.reason or "",
                    content_type=response.headers.get("Content-Type", "")
                    .split(";")[0]
                    .strip()
                    .lower(),
                    body=body,
                    url=public_url,
                )
                if status == 429 or status == 408 or status >= 500:
                    retry_after = _retry_after_seconds(response.headers.get("Retry-After"))
                    detail = _short(self._scrub(_error_message(body)), 160)
                    last = f"HTTP {status} {reply.reason}".strip() + (
                        f": {detail}" if detail else ""
                    )
                    reply = None
            elapsed = time.monotonic() - began
            outcome = f"HTTP {reply.status}" if reply is not None else (fatal or last)
            logger.log(
                logging.INFO if reply is not None and reply.status < 400 else logging.WARNING,
                "fred GET %s series=%s range=%s attempt=%d/%d -> %s (%.2fs)",
                public_url,
                series_id,
                span,
                attempt,
                attempts,
                outcome,
                elapsed,
            )
            if fatal is not None:
                raise SourceError(series_id, f"{fatal}; url {public_url}")
            if reply is not None:
                return reply
            if attempt < attempts:
                delay = self._backoff(attempt, retry_after)
                logger.warning(
                    "fred %s: %s; retrying in %.2fs (attempt %d of %d)%s",
                    series_id,
                    last,
                    delay,
                    attempt + 1,
                    attempts,
                    f" [Retry-After {retry_after:g}s]" if retry_after is not None else "",
                )
                time.sleep(delay)
        raise SourceError(
            series_id,
            f"FRED request failed after {attempts} attempt{'s' if attempts != 1 else ''} "
            f"(last: {last}); url {public_url}",
        )

    def _request(
        self, series_id: str, url: str, params: dict[str, str] | None, accept: str, began: float
    ) -> tuple[requests.Response, bytes]:
        """One request: redirects within the origin (each hop rate-limited), whole body read.

        The whole of it, connect to last byte, must finish by ``began + timeout_seconds``.
        """
        deadline = began + self.timeout_seconds
        origin = _origin(url)
        for hop in range(MAX_REDIRECTS + 1):
            if hop:
                self._limiter.acquire()  # every hop is a request FRED counts
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _Retryable(self._timed_out())
            response = self._session().get(
                url,
                params=params,
                headers={"Accept": accept},
                timeout=(remaining, remaining),
                allow_redirects=False,
                stream=True,
            )
            try:
                if response.status_code in _REDIRECTS and response.headers.get("Location"):
                    target = urljoin(response.url, response.headers["Location"])
                    if _origin(target) != origin:
                        raise _Fatal(
                            f"FRED redirected to another origin ({self._scrub(_origin(target))}, "
                            f"from {self._scrub(origin)}); not followed, so the API key stays "
                            "with the configured server. If FRED has moved, set "
                            "FRED_API_BASE_URL / FRED_CSV_BASE_URL to the new address"
                        )
                    url, params = target, None  # the Location carries the whole query
                    continue
                return response, self._read_body(series_id, response, deadline)
            finally:
                response.close()
        raise _Fatal(f"more than {MAX_REDIRECTS} redirects")

    def _read_body(self, series_id: str, response: requests.Response, deadline: float) -> bytes:
        """The decoded body, within the deadline and the size cap."""
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_response_bytes:
            raise _Fatal(self._too_large(int(declared)))
        raw, chunks, size = response.raw, [], 0
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _Retryable(self._timed_out(size))
            _set_read_timeout(raw, remaining)
            try:
                chunk = raw.read1(_CHUNK, decode_content=True)
            except urllib3.exceptions.ReadTimeoutError:
                raise _Retryable(self._timed_out(size)) from None
            except urllib3.exceptions.ProtocolError as exc:
                raise _Retryable(
                    f"response body truncated ({self._scrub(_short(exc, 160))})"
                ) from None
            except urllib3.exceptions.DecodeError as exc:
                raise _Retryable(
                    f"response body could not be decoded ({self._scrub(_short(exc, 160))})"
                ) from None
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > self.max_response_bytes:
                raise _Fatal(self._too_large(size, at_least=True))
            chunks.append(chunk)

    def _timed_out(self, received: int | None = None) -> str:
        got = f"; {received:,} bytes of the body received" if received is not None else ""
        return f"timed out after {self.timeout_seconds:g}s (deadline for connect + body{got})"

    def _too_large(self, size: int, at_least: bool = False) -> str:
        return (
            f"response of {'more than ' if at_least else ''}{size:,} bytes is larger than "
            f"max_response_bytes={self.max_response_bytes:,}; not read (raise the cap if the "
            "series really is that long)"
        )

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        ceiling = min(self.backoff_base_seconds * 2 ** (attempt - 1), self.max_backoff_seconds)
        delay = ceiling / 2 + random.uniform(0, ceiling / 2)
        if retry_after is not None:
            delay = max(delay, min(retry_after, MAX_RETRY_AFTER_SECONDS))
        return delay

    def _scrub(self, text: str) -> str:
        """Remove the API key from any text bound for a message or a log record."""
        text = _API_KEY_PARAM.sub(rf"\g<1>{REDACTED}", text)
        text = _USERINFO.sub(rf"\g<1>{REDACTED}@", text)
        for secret in getattr(self, "_url_secrets", ()):
            for form in {secret, unquote(secret), quote(unquote(secret), safe="")}:
                text = text.replace(form, REDACTED)
        if self._api_key is not None:
            key = self._api_key.reveal()
            for form in {key, quote(key, safe=""), quote_plus(key)}:
                text = text.replace(form, REDACTED)
        return text


# -- helpers --------------------------------------------------------------------------------


def _parse_value(series_id: str, raw: Any, date_text: str, index: int) -> float | None:
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise SourceError(series_id, f"non-numeric value {raw!r} on {date_text}")
    if isinstance(raw, int | float):
        return float(raw)
    if not isinstance(raw, str):
        raise SourceError(
            series_id, f"value on {date_text} is a {type(raw).__name__}, not a string"
        )
    text = raw.strip()
    if text in MISSING_TOKENS:
        return None
    try:
        return float(text)
    except ValueError:
        raise SourceError(
            series_id,
            f"non-numeric value {raw!r:.40} on {date_text} (observation #{index}; "
            "rule: number or '.' for missing)",
        ) from None


def _error_message(body: bytes) -> str:
    """FRED's error text from a JSON or XML error body, else ''."""
    text = body[:4096].decode("utf-8", "replace").strip()
    if not text:
        return ""
    if text.startswith("{"):
        try:
            doc = json.loads(body.decode("utf-8", "replace"))
        except ValueError:
            return ""
        if isinstance(doc, dict) and doc.get("error_message"):
            return str(doc["error_message"])
        return ""
    match = re.search(r"<error\b[^>]*\bmessage\s*=\s*\"([^\"]*)\"", text)
    if match:
        return (
            match.group(1)
            .replace("&quot;", '"')
            .replace("&apos;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
        )
    return ""


def _snippet(body: bytes, scrub) -> str:
    text = body[:_SNIPPET_CHARS].decode("utf-8", "replace")
    text = " ".join(text.split())
    more = "…" if len(body) > _SNIPPET_CHARS else ""
    return repr(scrub(text) + more) if text else "<empty body>"


def _short(exc: BaseException | str, limit: int = 300) -> str:
    text = exc if isinstance(exc, str) else f"{type(exc).__name__}: {exc}"
    return text if len(text) <= limit else text[:limit] + "…"


class _Retryable(Exception):
    """A failed attempt worth retrying (its message is safe: scrubbed, no body)."""


class _Fatal(Exception):
    """A failure no retry can fix (its message is safe: scrubbed, no body)."""


def _origin(url: str) -> str:
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme.lower(), netloc.lower(), "", "", ""))


def _set_read_timeout(raw, seconds: float) -> None:
    """Bound the next socket read by what is left of the request's deadline (best effort)."""
    try:
        sock = raw._fp.fp.raw._sock
    except AttributeError:
        return
    with contextlib.suppress(OSError):
        sock.settimeout(max(seconds, 0.001))


def _retry_after_seconds(header: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or HTTP-date); None if absent/bad."""
    if not header:
        return None
    header = header.strip()
    try:
        seconds = float(header)
    except ValueError:
        try:
            when = parsedate_to_datetime(header)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    if math.isnan(seconds):
        return None
    return max(0.0, seconds)
