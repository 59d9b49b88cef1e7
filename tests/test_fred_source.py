"""FredSource against a real HTTP server on 127.0.0.1 (tests/fred_server.py); no mocks."""

from __future__ import annotations

import logging
import socket
import threading
import time
import traceback
from datetime import date

import fredapi
import polars as pl
import pytest

from ingestion.catalog import SeriesInfo
from ingestion.sources.base import (
    FRAME_SCHEMA,
    SeriesUnavailable,
    Source,
    SourceError,
    clip_range,
)
from ingestion.sources.fred import FredSource, _retry_after_seconds
from ingestion.sources.fred_format import parse_fred_csv
from tests.fred_server import VALID_API_KEY, FakeFred, Respond

pytestmark = pytest.mark.timeout(60)

SID = "DGS10"
ROWS = [
    ("2019-12-31", "1.92"),
    ("2020-01-02", "1.88"),
    ("2020-01-03", "."),
    ("2020-01-06", ""),
    ("2020-01-07", "1.83"),
    ("2020-01-08", "1.87"),
]
WRONG_KEY = "ffffffffffffffffffffffffffff9999"  # well-formed but not registered
LOGGER = "ingestion.sources.fred"


def info(series_id: str = SID) -> SeriesInfo:
    return SeriesInfo(series_id, "test", "treasury_yield", 10.0, "percent", "daily", "x", -5, 30)


def make(fake: FakeFred, keyed: bool = True, **kw) -> FredSource:
    """A source aimed at ``fake`` with test-friendly timings (tiny backoff, no rate wait)."""
    options = dict(
        max_retries=3,
        backoff_base_seconds=0.01,
        timeout_seconds=2.0,
        max_requests_per_minute=100_000,
    )
    options.update(kw)
    if keyed:
        options.setdefault("api_key", VALID_API_KEY)
        return FredSource(api_base_url=fake.api_base_url, csv_base_url="http://unused", **options)
    options.setdefault("api_key", "")
    return FredSource(api_base_url="http://unused", csv_base_url=fake.csv_base_url, **options)


@pytest.fixture(autouse=True)
def _no_env(monkeypatch):
    for var in ("FRED_API_KEY", "FRED_API_BASE_URL", "FRED_CSV_BASE_URL"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def fred(fake_fred):
    fake_fred.set_series(SID, ROWS)
    return fake_fred


def as_rows(frame: pl.DataFrame) -> list[tuple]:
    return [(d.isoformat(), v) for d, v in frame.iter_rows()]


# -- happy paths -----------------------------------------------------------------------------


@pytest.mark.parametrize("keyed", [True, False], ids=["api", "csv"])
def test_fetch_returns_frame_with_nulls_and_range(fred, keyed):
    src = make(fred, keyed)
    assert isinstance(src, Source) and src.name == "fred"
    assert src.mode == ("api" if keyed else "csv")

    frame = src.fetch(info(), date(2020, 1, 1), date(2020, 1, 7))
    assert frame.schema == pl.Schema(FRAME_SCHEMA)
    assert as_rows(frame) == [
        ("2020-01-02", 1.88),
        ("2020-01-03", None),
        ("2020-01-06", None),
        ("2020-01-07", 1.83),
    ]
    assert as_rows(src.fetch(info(), None, None))[0] == ("2019-12-31", 1.92)
    assert src.fetch(info(), date(2020, 1, 8), None).height == 1

    first = fred.requests_for(SID)[0]
    if keyed:
        assert first.endpoint == "observations"
        assert first.api_key == VALID_API_KEY
        assert first.query["file_type"] == "json"
        assert first.query["observation_start"] == "2020-01-01"
        assert first.query["observation_end"] == "2020-01-07"
    else:
        assert first.endpoint == "csv"
        assert first.api_key is None
        assert (first.query["cosd"], first.query["coed"]) == ("2020-01-01", "2020-01-07")


def test_keyless_date_header_variant():
    with FakeFred({SID: ROWS}, csv_date_header="DATE") as fake:
        frame = make(fake, keyed=False).fetch(info(), None, date(2020, 1, 3))
    assert as_rows(frame) == [("2019-12-31", 1.92), ("2020-01-02", 1.88), ("2020-01-03", None)]


def test_environment_configures_key_and_urls(fred, monkeypatch):
    monkeypatch.setenv("FRED_API_KEY", VALID_API_KEY)
    monkeypatch.setenv("FRED_API_BASE_URL", fred.api_base_url)
    monkeypatch.setenv("FRED_CSV_BASE_URL", fred.csv_base_url)
    keyed = FredSource(max_requests_per_minute=100_000)
    assert keyed.mode == "api" and keyed.api_base_url == fred.api_base_url
    assert keyed.fetch(info(), date(2020, 1, 7), None).height == 2
    keyless = FredSource(api_key="", max_requests_per_minute=100_000)
    assert keyless.mode == "csv"
    assert keyless.fetch(info(), date(2020, 1, 7), None).height == 2
    assert [r.endpoint for r in fred.requests] == ["observations", "csv"]


def test_data_faults_pass_through_in_order_for_validation(fake_fred):
    """Duplicates, dates going backwards, 1e308 and 900 % are not hidden or fixed here."""
    rows = [("2020-01-03", "1.5"), ("2020-01-02", "900"), ("2020-01-02", "1e308")]
    fake_fred.set_series(SID, rows)
    expected = [("2020-01-03", 1.5), ("2020-01-02", 900.0), ("2020-01-02", 1e308)]
    for keyed in (True, False):
        assert as_rows(make(fake_fred, keyed).fetch(info(), None, None)) == expected


def test_fake_server_speaks_the_xml_fredapi_parses(fake_fred):
    """The server's XML is what the pinned fredapi really requests and parses."""
    fake_fred.set_series(SID, [("2020-01-02", "1.88"), ("2020-01-03", "."), ("2020-01-06", "2")])
    client = fredapi.Fred(api_key=VALID_API_KEY)
    client.root_url = fake_fred.api_base_url
    got = client.get_series(SID, observation_start="2020-01-03")
    assert [d.date().isoformat() for d in got.index] == ["2020-01-03", "2020-01-06"]
    assert got.isna().tolist() == [True, False] and got.iloc[1] == 2.0
    assert client.get_series_info(SID)["id"] == SID
    assert fake_fred.requests[0].query.get("file_type") is None  # fredapi's default: XML
    bad = fredapi.Fred(api_key=WRONG_KEY)
    bad.root_url = fake_fred.api_base_url
    with pytest.raises(ValueError, match="api_key is not registered"):
        bad.get_series(SID)
    with pytest.raises(ValueError, match="series does not exist"):
        client.get_series("NOSUCH")


@pytest.mark.realdata
@pytest.mark.parametrize("keyed", [True, False], ids=["api", "csv"])
def test_real_fred_history_round_trips(fake_fred, real_csv_dir, keyed):
    """A real FRED download (read-only, from ../shared) served by the fake and fetched back."""
    path = real_csv_dir / f"{SID}.csv"
    expected = parse_fred_csv(path.read_bytes(), SID)
    lines = path.read_text().splitlines()[1:]
    fake_fred.set_series(SID, [tuple(line.split(",", 1)) for line in lines])
    got = make(fake_fred, keyed).fetch(info(), None, None)
    assert got.height > 10_000
    assert got.equals(expected)
    window = make(fake_fred, keyed).fetch(info(), date(2020, 3, 2), date(2020, 3, 31))
    assert window.equals(clip_range(expected, date(2020, 3, 2), date(2020, 3, 31)))


# -- retries ---------------------------------------------------------------------------------


def test_429_then_success_honours_retry_after(fred):
    fred.fail(SID, [429], retry_after=1)
    frame = make(fred).fetch(info(), None, None)
    assert frame.height == len(ROWS)
    attempts = fred.requests_for(SID)
    assert [r.status for r in attempts] == [429, 200]
    gap = attempts[1].time - attempts[0].time
    assert gap >= 0.9, f"Retry-After: 1 not honoured (retried after {gap:.2f}s)"


@pytest.mark.parametrize("keyed", [True, False], ids=["api", "csv"])
def test_persistent_500_gives_up_after_max_retries(fred, keyed):
    fred.always(SID, 500)
    with pytest.raises(SourceError) as err:
        make(fred, keyed, max_retries=2).fetch(info(), None, None)
    assert len(fred.requests_for(SID)) == 3
    message = str(err.value)
    assert message.startswith(f"{SID}: ") and "after 3 attempts" in message
    assert "HTTP 500" in message


def test_5xx_and_dropped_connections_are_retried(fred):
    fred.behave(SID, 502, "drop", 503)
    assert make(fred).fetch(info(), None, None).height == len(ROWS)
    assert [r.behaviour for r in fred.requests_for(SID)] == [
        "respond:502",
        "drop",
        "respond:503",
        "ok",
    ]


def test_slow_response_times_out_and_is_retried(fred):
    fred.slow_seconds = 3.0
    fred.behave(SID, "slow")
    began = time.monotonic()
    frame = make(fred, timeout_seconds=0.3).fetch(info(), None, None)
    assert frame.height == len(ROWS)
    assert len(fred.requests_for(SID)) == 2
    assert time.monotonic() - began < 2.5  # did not wait for the slow answer


def test_persistent_slowness_raises_after_retries(fred):
    fred.slow_seconds = 3.0
    fred.always(SID, "slow")
    with pytest.raises(SourceError, match=r"after 2 attempts \(last: timed out after 0.3s "):
        make(fred, keyed=False, timeout_seconds=0.3, max_retries=1).fetch(info(), None, None)
    assert len(fred.requests_for(SID)) == 2


def test_retry_after_parsing():
    assert _retry_after_seconds("2") == 2.0
    assert _retry_after_seconds(None) is None and _retry_after_seconds("soon") is None
    assert _retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
    future = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 30))
    assert 25 <= _retry_after_seconds(future) <= 31


# -- bad bodies ------------------------------------------------------------------------------


@pytest.mark.parametrize("keyed", [True, False], ids=["api", "csv"])
@pytest.mark.parametrize(
    ("behaviour", "problem"),
    [
        ("malformed", r"malformed|unparseable|non-numeric"),
        ("html", r"HTML page"),
        ("wrong_type", r"Content-Type"),
        ("empty", r"empty"),
        ("cut", r"truncated|malformed|unparseable|non-numeric|empty"),
        (
            Respond(200, body="<!DOCTYPE html><html>maintenance</html>", content_type="text/csv"),
            r"HTML page",
        ),
    ],
    ids=["malformed", "html", "wrong_type", "empty", "cut", "html-as-csv"],
)
def test_bad_body_is_an_error_naming_the_series(fred, keyed, behaviour, problem):
    fred.behave(SID, behaviour)
    with pytest.raises(SourceError, match=problem) as err:
        make(fred, keyed).fetch(info(), None, None)
    assert str(err.value).startswith(f"{SID}: ")
    assert len(fred.requests_for(SID)) == 1  # a bad 200 body is not retried


@pytest.mark.parametrize("keyed", [True, False], ids=["api", "csv"])
def test_truncated_transfer_is_retried_then_reported(fred, keyed):
    fred.behave(SID, "truncated")
    assert make(fred, keyed).fetch(info(), None, None).height == len(ROWS)
    fred.clear_requests()
    fred.always(SID, "truncated")
    with pytest.raises(SourceError, match=r"after 2 attempts.*truncated") as err:
        make(fred, keyed, max_retries=1).fetch(info(), None, None)
    assert str(err.value).startswith(f"{SID}: ")
    assert len(fred.requests_for(SID)) == 2


def test_non_numeric_api_value_is_an_error(fake_fred):
    fake_fred.set_series(SID, [("2020-01-02", "1.88"), ("2020-01-03", "n/a")])
    with pytest.raises(SourceError, match=r"non-numeric value 'n/a' on 2020-01-03"):
        make(fake_fred).fetch(info(), None, None)


# -- keys, unknown series --------------------------------------------------------------------


def assert_no_key(text: str, key: str) -> None:
    assert key not in text, f"API key leaked into: {text}"


@pytest.mark.parametrize("bad_key", [WRONG_KEY, "My Secret Key 42!"], ids=["unregistered", "shape"])
def test_bad_key_is_clear_and_never_leaks(fred, caplog, bad_key):
    caplog.set_level(logging.DEBUG)
    src = make(fred, api_key=bad_key)
    with pytest.raises(SourceError, match="FRED rejected the API key") as err:
        src.fetch(info(), None, None)
    assert not isinstance(err.value, SeriesUnavailable)
    assert len(fred.requests_for(SID)) == 1  # not retried
    assert fred.requests_for(SID)[0].api_key == bad_key  # it was really sent
    exc = err.value
    assert exc.__cause__ is None and exc.__context__ is None
    for text in (
        str(exc),
        repr(exc),
        "".join(traceback.format_exception(exc)),
        repr(src),
        str(src),
        caplog.text,
        *(r.getMessage() for r in caplog.records),
    ):
        assert_no_key(text, bad_key)
    assert "***" in repr(src)
    assert any(SID in r.getMessage() and "attempt=1/4" in r.getMessage() for r in caplog.records)


def test_key_is_scrubbed_from_echoed_errors_and_connection_failures(fake_fred, caplog):
    caplog.set_level(logging.DEBUG)
    fake_fred.set_series(SID, ROWS)
    echo = f'{{"error_code":500,"error_message":"boom for api_key={VALID_API_KEY}"}}'
    fake_fred.always(SID, Respond(500, body=echo, content_type="application/json"))
    with pytest.raises(SourceError) as echoed:
        make(fake_fred, max_retries=1).fetch(info(), None, None)
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/fred"
    src = FredSource(
        api_key=VALID_API_KEY,
        api_base_url=dead,
        max_retries=1,
        backoff_base_seconds=0.01,
        max_requests_per_minute=100_000,
    )
    with pytest.raises(SourceError, match=r"after 2 attempts \(last: connection failed") as down:
        src.fetch(info(), None, None)
    for exc in (echoed.value, down.value):
        assert_no_key("".join(traceback.format_exception(exc)), VALID_API_KEY)
    assert "api_key=***" in str(echoed.value) or "***" in str(echoed.value)
    assert_no_key(caplog.text, VALID_API_KEY)


def test_forbidden_is_a_key_error(fred):
    fred.behave(SID, 403)
    with pytest.raises(SourceError, match="FRED rejected the API key"):
        make(fred).fetch(info(), None, None)


@pytest.mark.parametrize("keyed", [True, False], ids=["api", "csv"])
def test_unknown_or_vanished_series_is_unavailable(fred, keyed):
    src = make(fred, keyed)
    with pytest.raises(SeriesUnavailable, match="NOSUCH"):
        src.fetch(info("NOSUCH"), None, None)
    assert src.fetch(info(), None, None).height == len(ROWS)
    fred.remove_series(SID)
    with pytest.raises(SeriesUnavailable) as err:
        src.fetch(info(), None, None)
    assert err.value.series_id == SID
    assert len(fred.requests_for("NOSUCH")) == 1  # not retried


def test_plain_404_is_unavailable_and_400_is_an_error(fred):
    fred.behave(SID, 404)
    with pytest.raises(SeriesUnavailable):
        make(fred).fetch(info(), None, None)
    fred.behave(SID, 400)
    with pytest.raises(SourceError, match="HTTP 400") as err:
        make(fred).fetch(info(), None, None)
    assert not isinstance(err.value, SeriesUnavailable)


# -- rate limit, logging ---------------------------------------------------------------------


def test_rate_limiter_spaces_requests_across_threads(fred):
    src = make(fred, max_requests_per_minute=600)  # one request per 0.1 s
    began = time.monotonic()
    for _ in range(6):
        src.fetch(info(), None, None)
    assert time.monotonic() - began >= 0.45  # 5 gaps of 0.1 s, loosely

    fred.clear_requests()
    errors: list[BaseException] = []

    def work():
        try:
            for _ in range(3):
                src.fetch(info(), None, None)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    times = sorted(r.time for r in fred.requests)
    assert len(times) == 12
    assert times[-1] - times[0] >= 0.9  # 11 gaps of 0.1 s, loosely


def test_each_request_is_logged_with_series_range_status_attempt(fred, caplog):
    caplog.set_level(logging.INFO, logger=LOGGER)
    fred.fail(SID, [503])
    make(fred).fetch(info(), date(2020, 1, 2), date(2020, 1, 3))
    lines = [r.getMessage() for r in caplog.records if r.name == LOGGER and "GET" in r.getMessage()]
    assert len(lines) == 2
    assert "range=2020-01-02..2020-01-03" in lines[0] and "attempt=1/4" in lines[0]
    assert "HTTP 503" in lines[0] and "HTTP 200" in lines[1] and "attempt=2/4" in lines[1]
    assert all("api_key" not in line and VALID_API_KEY not in line for line in lines)


# -- issue 14: deadlines, redirects, size cap, credentials in URLs -----------------------------


def test_a_trickled_body_is_cut_off_at_the_total_deadline(fred):
    """One byte every 0.2 s never trips a per-read timeout; the request deadline must."""
    fred.always(SID, Respond(200, trickle=0.2))
    source = make(fred, timeout_seconds=1.0, max_retries=1)
    began = time.monotonic()
    with pytest.raises(SourceError, match=r"after 2 attempts.*timed out after 1s") as err:
        source.fetch(info(), None, None)
    assert time.monotonic() - began < 4.5, "the deadline covers connect + the whole body"
    assert "deadline for connect + body" in str(err.value)


@pytest.mark.parametrize("keyed", [True, False], ids=["api", "csv"])
def test_a_redirect_to_another_origin_is_refused_and_gets_no_key(fred, keyed):
    with FakeFred({SID: ROWS}) as other:
        if keyed:
            target = f"{other.api_base_url}/series/observations?series_id={SID}"
            target += f"&file_type=json&api_key={VALID_API_KEY}"
        else:
            target = f"{other.csv_base_url}?id={SID}"
        fred.always(SID, Respond(302, body=b"", headers={"Location": target}))
        with pytest.raises(SourceError, match="redirected to another origin") as err:
            make(fred, keyed=keyed).fetch(info(), None, None)
        assert other.requests == []
        assert VALID_API_KEY not in str(err.value)
        assert "FRED_API_BASE_URL" in str(err.value)
    assert len(fred.requests_for(SID)) == 1  # refused at once, not retried


def test_same_origin_redirects_are_followed_and_each_hop_is_rate_limited(fred):
    target = f"{fred.csv_base_url}?id={SID}"
    fred.behave(SID, Respond(301, body=b"", headers={"Location": target}))
    source = make(fred, keyed=False, max_requests_per_minute=240)  # one per 0.25 s
    began = time.monotonic()
    frame = source.fetch(info(), None, None)
    assert frame.height == len(ROWS)
    sent = fred.requests_for(SID)
    assert len(sent) == 2
    assert sent[1].time - sent[0].time >= 0.18, "the redirect hop bypassed the rate limiter"
    assert time.monotonic() - began >= 0.2


def test_a_redirect_loop_stops_and_every_hop_takes_a_slot(fred):
    target = f"{fred.csv_base_url}?id={SID}"
    fred.always(SID, Respond(302, body=b"", headers={"Location": target}))
    source = make(fred, keyed=False, max_retries=0, max_requests_per_minute=240)
    with pytest.raises(SourceError, match="more than 5 redirects"):
        source.fetch(info(), None, None)
    sent = fred.requests_for(SID)
    assert len(sent) == 6
    gaps = [b.time - a.time for a, b in zip(sent, sent[1:], strict=False)]
    assert min(gaps) >= 0.18  # 240/minute = one per 0.25 s


def test_a_response_over_the_size_cap_fails_clearly(fake_fred):
    fake_fred.set_series(SID, [(f"{1900 + i // 365}-01-01", "1.0") for i in range(0, 20000, 365)])
    with pytest.raises(SourceError, match="larger than max_response_bytes=100") as err:
        make(fake_fred, keyed=False, max_response_bytes=100).fetch(info(), None, None)
    assert str(err.value).startswith(f"{SID}: ")
    assert len(fake_fred.requests_for(SID)) == 1  # not retried
    assert make(fake_fred, keyed=False).fetch(info(), None, None).height > 0


def test_credentials_in_configured_urls_are_redacted_everywhere(fred, caplog):
    caplog.set_level(logging.DEBUG)
    user, password = "svc-bondhedge", "hunter2-Secret"
    base = fred.api_base_url.replace("http://", f"http://{user}:{password}@")
    source = FredSource(
        api_key=VALID_API_KEY, api_base_url=base, max_retries=0, max_requests_per_minute=100_000
    )
    assert source.fetch(info(), None, None).height == len(ROWS)
    fred.always(SID, 500)
    with pytest.raises(SourceError) as err:
        source.fetch(info(), None, None)
    dead = FredSource(
        api_key=VALID_API_KEY,
        api_base_url=f"http://{user}:{password}@127.0.0.1:9/fred",
        max_retries=0,
        timeout_seconds=1,
    )
    with pytest.raises(SourceError) as dead_err:
        dead.fetch(info(), None, None)
    texts = [str(err.value), str(dead_err.value), repr(source), repr(dead)]
    texts += [r.getMessage() for r in caplog.records]
    for text in texts:
        assert password not in text and user not in text, text


def test_error_texts_carry_no_server_body(fred):
    secret_page = "<html><body>internal-host db-17.corp:5432 stack trace</body></html>"
    for keyed in (True, False):
        fred.always(SID, Respond(200, body=secret_page, content_type="text/html"))
        with pytest.raises(SourceError) as err:
            make(fred, keyed=keyed).fetch(info(), None, None)
        assert "db-17.corp" not in str(err.value) and "HTML page" in str(err.value)
        fred.always(SID, Respond(403, body="forbidden by db-17.corp", content_type="text/plain"))
        with pytest.raises(SourceError) as err:
            make(fred, keyed=False).fetch(info(), None, None)
        assert "db-17.corp" not in str(err.value)
        fred.always(
            SID, Respond(200, body='{"observations": [db-17.corp', content_type="application/json")
        )
        with pytest.raises(SourceError) as err:
            make(fred, keyed=True).fetch(info(), None, None)
        assert "db-17.corp" not in str(err.value) and len(str(err.value)) < 300
