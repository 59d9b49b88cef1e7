"""HTTP for the live sources: one deadline per request, a size cap, same-origin redirects, a
shared rate limit, retries with backoff, and secrets kept out of every message and log line.

:class:`HttpClient` is what :class:`ingestion.sources.fred.FredSource` (and, through it,
FRED-MD) fetch with; it knows nothing of FRED's formats, only of HTTP:

* one :class:`requests.Session` per thread; every attempt and every redirect hop takes a slot
  of one :class:`RateLimiter` (spacing, burst of one, shared across threads);
* HTTP 408/429/5xx, connection errors, timeouts and bodies cut short are retried with
  exponential backoff plus jitter, never sooner than a server's ``Retry-After``; other
  statuses come back as a :class:`Reply` for the caller to judge;
* the whole request, connect to last body byte, must finish within ``timeout_seconds``; a
  body larger than ``max_response_bytes`` is refused; a redirect to another origin is refused
  (the key would go with it);
* secrets: the API key lives in a :class:`Secret` (prints as ``***``); :meth:`HttpClient.scrub`
  removes it (raw, URL-quoted), ``api_key=...`` parameters and ``user:password@`` from any text
  bound for a message or log; error texts carry no server bodies and no chained
  requests/urllib3 exception (whose text holds the full URL); :func:`install_log_redaction`
  filters urllib3's own DEBUG request lines.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import random
import re
import threading
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import quote, quote_plus, unquote, urljoin, urlsplit, urlunsplit

import requests
import urllib3

from ingestion.sources.base import SourceError

#: A server asking us to wait longer than this is treated as asking for this long.
MAX_RETRY_AFTER_SECONDS = 300.0
REDACTED = "***"
_API_KEY_PARAM = re.compile(r"(api_key=)[^&\s'\"]*", re.IGNORECASE)
_SNIPPET_CHARS = 160
_USERINFO = re.compile(r"(//)[^/@\s'\"]+@")
MAX_REDIRECTS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024


class Secret:
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


class RedactApiKeyFilter(logging.Filter):
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


_LOG_REDACTION = RedactApiKeyFilter()
_HTTP_LOGGERS = (
    "urllib3",
    "urllib3.connectionpool",
    "urllib3.connection",
    "urllib3.response",
    "urllib3.util.retry",
    "requests",
)


def install_log_redaction(*loggers: str) -> None:
    """Idempotently attach the api_key-redacting filter to the HTTP-stack loggers (and to
    ``loggers``, the callers' own)."""
    for name in (*_HTTP_LOGGERS, *loggers):
        target = logging.getLogger(name)
        if _LOG_REDACTION not in target.filters:
            target.addFilter(_LOG_REDACTION)


class RateLimiter:
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
class Reply:
    """A complete, non-retryable HTTP reply (body fully read)."""

    status: int
    reason: str
    content_type: str
    body: bytes
    url: str  # redacted


class HttpClient:
    """GET with rate limiting, retries, one deadline and a size cap; see the module docstring."""

    def __init__(
        self,
        *,
        service: str,
        label: str,
        log: logging.Logger,
        user_agent: str,
        api_key: Secret | None = None,
        url_secrets: set[str] | frozenset[str] = frozenset(),
        moved_hint: str = "",
        max_retries: int = 5,
        backoff_base_seconds: float = 1.0,
        max_backoff_seconds: float = 60.0,
        timeout_seconds: float = 30.0,
        max_requests_per_minute: float = 110,
        max_response_bytes: int = 64 * 1024 * 1024,
    ):
        """``service``/``label``: how messages and log lines name the server ("FRED", "fred");
        ``api_key``/``url_secrets``: what :meth:`scrub` removes; ``moved_hint``: what a refused
        cross-origin redirect tells the operator to do."""
        if max_retries < 0:
            raise ValueError(f"max_retries must be >= 0, got {max_retries!r}")
        if backoff_base_seconds < 0 or max_backoff_seconds < 0:
            raise ValueError("backoff seconds must be >= 0")
        if not timeout_seconds > 0:
            raise ValueError(f"timeout_seconds must be > 0, got {timeout_seconds!r}")
        if not max_response_bytes > 0:
            raise ValueError(f"max_response_bytes must be > 0, got {max_response_bytes!r}")
        self.service, self.label, self.log = service, label, log
        self.user_agent, self.moved_hint = user_agent, moved_hint
        self._api_key = api_key
        self._url_secrets = frozenset(url_secrets)
        self.max_response_bytes = int(max_response_bytes)
        self.max_retries = int(max_retries)
        self.backoff_base_seconds = float(backoff_base_seconds)
        self.max_backoff_seconds = float(max_backoff_seconds)
        self.timeout_seconds = float(timeout_seconds)
        self.limiter = RateLimiter(max_requests_per_minute)
        self._local = threading.local()
        self._sessions: list[requests.Session] = []
        self._sessions_lock = threading.Lock()

    def close(self) -> None:
        """Close the sessions opened so far (the client stays usable; new ones are made)."""
        with self._sessions_lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.close()
        self._local = threading.local()

    def session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers["User-Agent"] = self.user_agent
            self._local.session = session
            with self._sessions_lock:
                self._sessions.append(session)
        return session

    def get(
        self,
        series_id: str,
        url: str,
        params: dict[str, str],
        public_url: str,
        start: date | None,
        end: date | None,
        *,
        accept: str,
    ) -> Reply:
        """GET with rate limiting and retries; returns the first non-retryable reply."""
        attempts = self.max_retries + 1
        span = f"{start or 'open'}..{end or 'open'}"
        last = "no attempt made"
        for attempt in range(1, attempts + 1):
            self.limiter.acquire()
            began = time.monotonic()
            retry_after: float | None = None
            fatal: str | None = None
            reply: Reply | None = None
            try:
                response, body = self._request(series_id, url, params, accept, began)
            except _Fatal as exc:
                fatal = str(exc)
            except _Retryable as exc:
                last = str(exc)
            except requests.Timeout:
                last = self._timed_out()
            except requests.exceptions.ChunkedEncodingError as exc:
                last = f"response body truncated ({self.scrub(short(exc))})"
            except requests.ConnectionError as exc:
                last = f"connection failed ({self.scrub(short(exc))})"
            except requests.exceptions.ContentDecodingError as exc:
                last = f"response body could not be decoded ({self.scrub(short(exc))})"
            except requests.RequestException as exc:  # bad URL, invalid schema, ...
                fatal = f"request could not be sent ({self.scrub(short(exc))})"
            else:
                status = response.status_code
                reply = Reply(
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
                    retry_after = retry_after_seconds(response.headers.get("Retry-After"))
                    detail = short(self.scrub(error_message(body)), 160)
                    last = f"HTTP {status} {reply.reason}".strip() + (
                        f": {detail}" if detail else ""
                    )
                    reply = None
            elapsed = time.monotonic() - began
            outcome = f"HTTP {reply.status}" if reply is not None else (fatal or last)
            self.log.log(
                logging.INFO if reply is not None and reply.status < 400 else logging.WARNING,
                "%s GET %s series=%s range=%s attempt=%d/%d -> %s (%.2fs)",
                self.label,
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
                self.log.warning(
                    "%s %s: %s; retrying in %.2fs (attempt %d of %d)%s",
                    self.label,
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
            f"{self.service} request failed after {attempts} attempt{'s' if attempts != 1 else ''} "
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
                self.limiter.acquire()  # every hop is a request FRED counts
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _Retryable(self._timed_out())
            response = self.session().get(
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
                            f"{self.service} redirected to another origin "
                            f"({self.scrub(_origin(target))}, from {self.scrub(origin)}); not "
                            "followed, so the API key stays with the configured server. "
                            f"{self.moved_hint}"
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
                    f"response body truncated ({self.scrub(short(exc, 160))})"
                ) from None
            except urllib3.exceptions.DecodeError as exc:
                raise _Retryable(
                    f"response body could not be decoded ({self.scrub(short(exc, 160))})"
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

    def scrub(self, text: str) -> str:
        """Remove the API key from any text bound for a message or a log record."""
        text = _API_KEY_PARAM.sub(rf"\g<1>{REDACTED}", text)
        text = _USERINFO.sub(rf"\g<1>{REDACTED}@", text)
        for secret in self._url_secrets:
            for form in {secret, unquote(secret), quote(unquote(secret), safe="")}:
                text = text.replace(form, REDACTED)
        if self._api_key is not None:
            key = self._api_key.reveal()
            for form in {key, quote(key, safe=""), quote_plus(key)}:
                text = text.replace(form, REDACTED)
        return text


# -- helpers --------------------------------------------------------------------------------


def error_message(body: bytes) -> str:
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


def snippet(body: bytes, scrub) -> str:
    text = body[:_SNIPPET_CHARS].decode("utf-8", "replace")
    text = " ".join(text.split())
    more = "…" if len(body) > _SNIPPET_CHARS else ""
    return repr(scrub(text) + more) if text else "<empty body>"


def short(exc: BaseException | str, limit: int = 300) -> str:
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


def retry_after_seconds(header: str | None) -> float | None:
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
