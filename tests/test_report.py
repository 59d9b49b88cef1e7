"""The hedge report (orchestration/lib/report/), its Dagster asset and the ``bondhedge`` CLI.

Everything reads a file published from the sample (``published_sample``), read-only; tests
that change data work on a private copy.
"""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from PIL import Image

from orchestration.lib import report
from orchestration.lib.cli import main
from orchestration.lib.report import answer, scorecard_charts

BANNER_RED = (0xC6, 0x28, 0x28)


@pytest.fixture(scope="module")
def built(published_sample, tmp_path_factory):
    return report.build_report(published_sample, tmp_path_factory.mktemp("report"))


@pytest.fixture
def private_copy(published_sample, tmp_path) -> Path:
    target = tmp_path / "published" / "bondhedge.duckdb"
    target.parent.mkdir()
    shutil.copy(published_sample, target)
    return target


def banner_is_red(png: Path) -> bool:
    with Image.open(png) as image:
        rgb = image.convert("RGB")
        pixel = rgb.getpixel((rgb.width // 2, 8))
    return all(abs(a - b) <= 12 for a, b in zip(pixel, BANNER_RED, strict=True))


# ------------------------------------------------------------------------------ report


def test_report_writes_one_self_contained_html_and_a_png_per_chart(built):
    assert [c.name for c in built.charts] == [name for name, _ in report.CHARTS]
    for chart in built.charts:
        data = chart.path.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000, chart.name
        assert chart.thumbnail_png[:8] == b"\x89PNG\r\n\x1a\n"
        assert len(chart.thumbnail_png) < len(data)
        assert chart.caption and chart.title
    page = built.html.read_text(encoding="utf-8")
    images = re.findall(r'<img [^>]*src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) == len(built.charts)
    assert base64.b64decode(images[0]) == built.charts[0].path.read_bytes()
    # nothing to fetch: no external scripts, stylesheets or images
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "<script" not in page


def test_report_reads_only_marts_reference_and_meta(private_copy, tmp_path):
    """Drop every other schema of the published file (the aligned series): the report still
    builds, with the same headline."""
    with duckdb.connect(str(private_copy)) as con:
        schemas = {
            s
            for (s,) in con.execute(
                "select distinct table_schema from information_schema.tables"
            ).fetchall()
        }
        assert {"marts", "reference", "meta"} <= schemas
        for schema in sorted(schemas - {"marts", "reference", "meta"}):
            con.execute(f"drop schema {schema} cascade")
    before = report.build_report(private_copy, tmp_path / "before")
    assert before.headline and len(before.charts) == len(report.CHARTS)
    assert not hasattr(before, "images")


def test_answer_chart_whiskers_are_hedge_answer_intervals(published_sample):
    """The interval chart draws hedge_answer's own bootstrap and i.i.d. intervals (read back
    with a separate query here), as distances below and above each statistic."""
    with duckdb.connect(str(published_sample), read_only=True) as con:
        rows = [r for r in answer.answer_intervals(con) if r["stock_down_periods"]]
        direct = con.execute(
            """
            select bond_asset_id, era, hit_rate, hit_rate_ci_low, hit_rate_ci_high,
                   hit_rate_wilson_low, hit_rate_wilson_high, correlation,
                   correlation_ci_low, correlation_ci_high
            from marts.hedge_answer
            where equity_asset_id = 'sp500' and frequency = 'monthly'
              and return_basis = 'total' and stock_down_periods > 0
            """
        ).fetchall()
    assert len(rows) == len(direct) > 0
    by_cell = {(r["bond_asset_id"], r["era"]): r for r in rows}
    for bond, era, hit, lo, hi, wlo, whi, corr, clo, chi in direct:
        cell = [by_cell[(bond, era)]]
        (below,), (above,) = scorecard_charts._whiskers(cell, "hit_rate", "hit_rate_ci")
        assert (hit - below, hit + above) == pytest.approx((lo, hi), abs=1e-12)
        (below,), (above,) = scorecard_charts._whiskers(cell, "hit_rate", "hit_rate_wilson")
        assert (hit - below, hit + above) == pytest.approx((wlo, whi), abs=1e-12)
        if corr is not None:
            (below,), (above,) = scorecard_charts._whiskers(cell, "correlation", "correlation_ci")
            assert (corr - below, corr + above) == pytest.approx((clo, chi), abs=1e-12)


def test_charts_are_deterministic(published_sample, tmp_path):
    with duckdb.connect(str(published_sample), read_only=True) as con:
        prov = report.read_provenance(con, published_sample)
        for name in ("answer_intervals", "markov_regimes"):
            draw = dict(report.CHARTS)[name]
            draw(con, prov, tmp_path / f"{name}_1.png")
            draw(con, prov, tmp_path / f"{name}_2.png")
            first = (tmp_path / f"{name}_1.png").read_bytes()
            assert first == (tmp_path / f"{name}_2.png").read_bytes(), name


def test_synthetic_sample_is_bannered_on_the_html_and_every_png(built):
    assert built.provenance.is_synthetic and built.provenance.data_source == "sample"
    page = built.html.read_text(encoding="utf-8")
    assert 'class="banner"' in page and report.SYNTHETIC_BANNER in page
    assert "(SYNTHETIC SAMPLE)</title>" in page
    for chart in built.charts:
        assert banner_is_red(chart.path), f"{chart.name}.png has no synthetic banner"
    assert built.headline_markdown.startswith(f"**{report.SYNTHETIC_BANNER}**")


def test_answer_hit_rates_and_intervals_match_the_scorecard(published_sample, built):
    """The report's full-history row is hedge_answer's, and its counts and Wilson interval are
    the scorecard's `all` cell (two marts, one rule)."""
    ten = next(h for h in built.answer if h.bond_asset_id == "ust_10y" and h.era_order == 1)
    with duckdb.connect(str(published_sample), read_only=True) as con:
        row = con.execute(
            """
            select stock_down_periods, bond_up_when_stock_down, hit_rate_ci_low, hit_rate_ci_high
            from marts.hedge_scorecard
            where equity_asset_id = 'sp500' and bond_asset_id = 'ust_10y'
              and frequency = 'monthly' and regime_dimension = 'all'
            """
        ).fetchone()
        boot = con.execute(
            """
            select hit_rate_ci_low, hit_rate_ci_high from marts.hedge_answer
            where equity_asset_id = 'sp500' and bond_asset_id = 'ust_10y'
              and frequency = 'monthly' and era_order = 1 and return_basis = 'total'
            """
        ).fetchone()
    assert ten.era == "full history"
    assert (ten.down_months, ten.bond_up) == row[:2]
    assert ten.wilson == pytest.approx(row[2:], abs=1e-9)
    assert ten.ci == pytest.approx(boot, abs=1e-12)


def test_headline_numbers_come_from_the_data(built):
    first = built.headline[0]
    ten = [h for h in built.answer if h.bond_asset_id == "ust_10y"]
    full, recent = ten[0], ten[-1]
    assert f"rose {report.pct(full.hit_rate)} of the time" in first
    assert f"95% block-bootstrap interval {report.ci_text(full.ci)}" in first
    assert f"i.i.d. Wilson {report.ci_text(full.wilson)}" in first
    assert f"{full.bond_up} of {full.down_months} down" in first
    assert any(recent.verdict in p for p in built.headline)
    assert recent.era == "2022 on" and recent.previous_era == "2000-2021"
    assert any(p.startswith("Now (") for p in built.headline)


def test_headline_follows_hedge_answer(private_copy):
    """The headline only words marts.hedge_answer: change the mart, the headline follows."""

    def answer_and_headline():
        with duckdb.connect(str(private_copy), read_only=True) as con:
            answer = report.read_answer(con)
            return answer, report.headline(con, answer)

    _, old_headline = answer_and_headline()
    with duckdb.connect(str(private_copy)) as con:
        con.execute(
            "update marts.hedge_answer set hit_rate = 0.2, hit_rate_ci_low = 0.1, "
            "hit_rate_ci_high = 0.3 where bond_asset_id = 'ust_10y' and era_order = 1 "
            "and frequency = 'monthly' and return_basis = 'total'"
        )
    new_answer, new_headline = answer_and_headline()
    assert "rose 20% of the time (95% block-bootstrap interval 10\u201330%" in new_headline[0]
    assert "less often than not" in new_headline[0]
    assert new_headline[0] != old_headline[0]
    assert not hasattr(report, "compute_answer") and not hasattr(report, "wilson_interval")


def test_report_asset_attaches_headline_html_and_charts(private_copy):
    from orchestration.defs.report.assets import hedge_report
    from orchestration.defs.resources import WarehouseResource

    result = dg.materialize(
        [hedge_report],
        resources={
            "warehouse": WarehouseResource(
                path=str(private_copy.parent / "unused.duckdb"), published_path=str(private_copy)
            )
        },
    )
    assert result.success
    (event,) = result.get_asset_materialization_events()
    assert event.asset_key == dg.AssetKey(["reports", "hedge_report"])
    meta = event.materialization.metadata
    html = Path(meta["html"].value)
    assert html == private_copy.parent.parent / "reports" / "bondhedge" / "report.html"
    assert html.is_file()
    assert isinstance(meta["headline"], dg.MarkdownMetadataValue)
    assert report.SYNTHETIC_BANNER in meta["headline"].value
    assert meta["synthetic"].value is True
    charts = [k for k in meta if k.startswith("chart_")]
    assert len(charts) == len(report.CHARTS)
    for key in charts:
        assert "](data:image/png;base64," in meta[key].value
        assert len(meta[key].value) < 150_000  # thumbnails, not full-size images


def test_report_is_kept_while_the_published_content_is_unchanged(private_copy):
    """A second run over the same published content keeps report.html (same file, same
    headline and charts announced, rebuilt = False); a changed mart rebuilds it."""
    from orchestration.defs.report.assets import hedge_report
    from orchestration.defs.resources import WarehouseResource

    resources = {
        "warehouse": WarehouseResource(
            path=str(private_copy.parent / "unused.duckdb"), published_path=str(private_copy)
        )
    }

    def materialize():
        result = dg.materialize([hedge_report], resources=resources)
        assert result.success
        (event,) = result.get_asset_materialization_events()
        return event.materialization.metadata

    first = materialize()
    html = Path(first["html"].value)
    written = html.stat().st_mtime_ns
    assert first["rebuilt"].value is True
    second = materialize()
    assert second["rebuilt"].value is False
    assert html.stat().st_mtime_ns == written
    for key in first:
        if key != "rebuilt":
            assert second[key] == first[key], key
    # a publication with the same content but new provenance keeps the report too
    with duckdb.connect(str(private_copy)) as con:
        con.execute("update meta.publications set run_id = 'a later run'")
        # an incremental model restamps its look-back window's rows: the values are the same
        con.execute(
            "update marts.rolling_correlations set built_at = built_at + interval 1 hour "
            "where as_of_date >= (select max(as_of_date) - 30 from marts.rolling_correlations)"
        )
    assert materialize()["rebuilt"].value is False
    with duckdb.connect(str(private_copy)) as con:
        con.execute(
            "update marts.hedge_answer set hit_rate = 0.2, hit_rate_ci_low = 0.1, "
            "hit_rate_ci_high = 0.3 where bond_asset_id = 'ust_10y' and era_order = 1 "
            "and frequency = 'monthly' and return_basis = 'total'"
        )
    third = materialize()
    assert third["rebuilt"].value is True
    assert html.stat().st_mtime_ns != written
    assert "rose 20% of the time" in third["headline"].value
    assert third["headline"] != first["headline"]


@pytest.mark.slow
@pytest.mark.realdata
def test_report_on_real_data_has_no_banner(published_real, tmp_path):
    result = report.build_report(published_real, tmp_path)
    assert not result.provenance.is_synthetic
    page = result.html.read_text(encoding="utf-8")
    assert 'class="banner"' not in page
    assert not any(banner_is_red(c.path) for c in result.charts)
    assert result.headline[0].startswith("In months when the S&P 500 fell")


# ------------------------------------------------------------------------------ CLI


def test_cli_answer_prints_banner_headline_and_table_within_100_columns(published_sample, capsys):
    assert main(["answer", "--published", str(published_sample)]) == 0
    out = capsys.readouterr().out
    assert out.count(report.SYNTHETIC_BANNER) >= 2  # top and bottom
    assert "In months when the S&P 500 fell" in out
    assert "10y Treasury" in out and "full history" in out and "2022 on" in out
    assert "By inflation at the start of the month" in out
    assert max(len(line) for line in out.splitlines()) <= 100


def test_cli_status_and_report(published_sample, tmp_path, capsys):
    assert main(["status", "--published", str(published_sample)]) == 0
    out = capsys.readouterr().out
    assert "tests-sample" in out and "SYNTHETIC" in out and "file age" in out
    assert main(["report", "--published", str(published_sample), "--out", str(tmp_path)]) == 0
    assert (tmp_path / "report.html").is_file()
    assert len(list(tmp_path.glob("*.png"))) == len(report.CHARTS)


def test_cli_without_a_published_file_says_what_to_do(tmp_path, capsys):
    missing = tmp_path / "nothing.duckdb"
    assert main(["answer", "--published", str(missing)]) == 2
    assert "make run" in capsys.readouterr().err
    assert main(["status", "--published", str(missing)]) == 1


def test_cli_land_prints_a_line_per_series(tmp_path, capsys):
    warehouse = tmp_path / "warehouse.duckdb"
    args = ["land", "--source", "sample", "--warehouse", str(warehouse)]
    args += ["--sample-end-date", "2026-06-30", "--series", "DGS10", "SP500"]
    assert main(args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("landing 2 series from sample")
    assert re.match(r"\[1/2\] DGS10 +landed +[\d,]+ rows", lines[1])
    assert re.match(r"\[2/2\] SP500 +landed", lines[2])
    assert lines[-1].startswith("done in") and "2 landed" in lines[-1]
    bad = ["land", "--source", "sample", "--warehouse", str(warehouse), "--series", "NOPE"]
    assert main(bad) == 2
    assert "not in the catalog" in capsys.readouterr().err


def test_console_script_is_installed(published_sample):
    script = Path(sys.executable).with_name("bondhedge")
    if not script.exists():
        pytest.skip("bondhedge console script not installed (run `uv sync`)")
    proc = subprocess.run(
        [str(script), "answer", "--published", str(published_sample)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert report.SYNTHETIC_BANNER in proc.stdout
