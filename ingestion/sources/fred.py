"""The ``fred`` source: live observations from FRED (Federal Reserve Bank of St. Louis).

Two transports, chosen by whether an API key is configured:

* **keyed** (``api_key`` or env ``FRED_API_KEY``): the FRED API endpoint
  ``<api_base_url>/series/observations`` (default base ``https://api.stlouisfed.org/fred``,
  env override ``FRED_API_BASE_URL``) with ``observation_start``/``observation_end``;
* **keyless**: FRED's CSV download ``<csv_base_url>?id=<ID>&cosd=<start>&coed=<end>``
  (default ``https://fred.stlouisfed.org/graph/fredgraph.csv``, env override
  ``FRED_CSV_BASE_URL``), parsed by :func:`ingestion.sources.fred_format.parse_fred_csv`.

HTTP (per-thread sessions, one shared rate limiter, retries with backoff and ``Retry-After``,
one deadline per request, the body cap, same-origin redirects, key redaction) is
:class:`ingestion.sources.http.HttpClient`; this module builds FRED's URLs and reads FRED's
answers: 400/401/403/404 and bad bodies (HTML page, wrong content type, malformed or truncated
JSON/CSV) fail at once with :class:`SourceError` naming the series; an unknown series (FRED's
"The series does not exist." or a 404) raises :class:`SeriesUnavailable`.

Rows are returned in the order FRED sent them (ascending for any well-formed response); like the
``csv`` source we do not re-sort or de-duplicate, so ``ingestion.validation`` rejects a date that
goes backwards or repeats instead of it being hidden here. Values are not range-checked here.

Secrets: the API key is a :class:`ingestion.sources.http.Secret` (prints as ``***``), sent
only as a query parameter built by requests and scrubbed from every URL we log and every
message we raise (see ``ingestion.sources.http``). The rate limit defaults to 110 requests a
minute per source, under FRED's documented 120.

Why the keyed path does not call ``fredapi`` (the pinned ``fredapi==0.5.2``): no timeout, no
HTTP status or ``Retry-After``, silently merged duplicate dates; see ``docs/fredapi.md``.
"""

from __future__ import annotations

import json
import logging
import os
import re
from datetime import date
from typing import Any
from urllib.parse import urlencode, urlsplit

import polars as pl

from ingestion.catalog import SeriesInfo
from ingestion.sources.base import FRAME_SCHEMA, SeriesUnavailable, SourceError, clip_range
from ingestion.sources.fred_format import MISSING_TOKENS, parse_fred_csv
from ingestion.sources.http import (
    HttpClient,
    Reply,
    Secret,
    error_message,
    install_log_redaction,
    retry_after_seconds,
    short,
    snippet,
)

#: kept importable under its old name (tests/test_fred_source.py)
_retry_after_seconds = retry_after_seconds

LOGGER_NAME = "ingestion.sources.fred"
logger = logging.getLogger(LOGGER_NAME)

DEFAULT_API_BASE_URL = "https://api.stlouisfed.org/fred"
DEFAULT_CSV_BASE_URL = "https://fred.stlouisfed.org/graph/fredgraph.csv"
FRED_LIMIT_PER_MINUTE = 120
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
#: default cap on one response body (decoded): FRED's longest daily series is ~1.5 MB as JSON
DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024


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
        install_log_redaction(LOGGER_NAME)
        key = os.environ.get("FRED_API_KEY") if api_key is None else api_key
        key = (key or "").strip()
        self._api_key: Secret | None = Secret(key) if key else None
        self.api_base_url = (
            api_base_url or os.environ.get("FRED_API_BASE_URL") or DEFAULT_API_BASE_URL
        ).rstrip("/")
        self.csv_base_url = (
            csv_base_url or os.environ.get("FRED_CSV_BASE_URL") or DEFAULT_CSV_BASE_URL
        ).rstrip("/")
        if max_requests_per_minute > FRED_LIMIT_PER_MINUTE:
            logger.warning(
                "max_requests_per_minute=%s is above FRED's limit of %s requests/minute",
                max_requests_per_minute,
                FRED_LIMIT_PER_MINUTE,
            )
        self._http = HttpClient(
            service="FRED",
            label="fred",
            log=logger,
            user_agent=USER_AGENT,
            api_key=self._api_key,
            # user:password in a configured base URL is a credential too: scrubbed like the key
            url_secrets={
                part
                for base in (self.api_base_url, self.csv_base_url)
                for part in (urlsplit(base).username, urlsplit(base).password)
                if part and len(part) >= 3
            },
            moved_hint="If FRED has moved, set FRED_API_BASE_URL / FRED_CSV_BASE_URL to the new "
            "address",
            max_retries=max_retries,
            backoff_base_seconds=backoff_base_seconds,
            max_backoff_seconds=max_backoff_seconds,
            timeout_seconds=timeout_seconds,
            max_requests_per_minute=max_requests_per_minute,
            max_response_bytes=max_response_bytes,
        )
        self.max_retries = self._http.max_retries
        self.timeout_seconds = self._http.timeout_seconds
        self.max_response_bytes = self._http.max_response_bytes

    # -- public -------------------------------------------------------------------------

    @property
    def mode(self) -> str:
        """``"api"`` when an API key is configured, else ``"csv"`` (keyless download)."""
        return "api" if self._api_key is not None else "csv"

    @property
    def max_requests_per_minute(self) -> float:
        return self._http.limiter.per_minute

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
        self._http.close()

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

    def _api_error(self, series_id: str, reply: Reply) -> SourceError:
        message = self._scrub(error_message(reply.body))
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

    def _parse_api_json(self, series_id: str, reply: Reply) -> pl.DataFrame:
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
                snippet(reply.body, self._scrub),
            )
            raise SourceError(
                series_id,
                f"malformed or truncated JSON from the FRED API ({short(problem, 120)}; "
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
                snippet(reply.body, self._scrub),
            )
            raise SourceError(
                series_id, f"FRED CSV download refused (HTTP {reply.status} {reply.reason})"
            )
        self._check_content_type(series_id, reply, CSV_CONTENT_TYPES, "CSV")
        return parse_fred_csv(reply.body, series_id)

    # -- shared HTTP (ingestion.sources.http) ---------------------------------------------

    def _get(
        self,
        series_id: str,
        url: str,
        params: dict[str, str],
        public_url: str,
        start,
        end,
        *,
        accept: str,
    ) -> Reply:
        """GET with rate limiting and retries; the first non-retryable reply (also FRED-MD's)."""
        return self._http.get(series_id, url, params, public_url, start, end, accept=accept)

    def _scrub(self, text: str) -> str:
        """Remove the API key (and base-URL credentials) from text bound for a message/log."""
        return self._http.scrub(text)

    def _check_content_type(
        self, series_id: str, reply: Reply, allowed: frozenset[str], what: str
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
                snippet(reply.body, self._scrub),
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
