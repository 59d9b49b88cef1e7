"""The frame every chart shares: title, synthetic banner, source footer, deterministic PNG."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field
from pathlib import Path

from matplotlib.figure import Figure

from orchestration.lib.report.queries import Provenance

SYNTHETIC_BANNER = "SYNTHETIC SAMPLE — NOT MARKET DATA"

DPI = 110

THUMBNAIL_DPI = 60

INFLATION_COLOURS = {"low": "#c8e6c9", "moderate": "#fff3c4", "high": "#ffcdd2"}

TENOR_COLOURS = {
    "ust_2y": "#9ecae1",
    "ust_5y": "#4292c6",
    "ust_10y": "#08519c",
    "ust_30y": "#08306b",
    "tips_10y": "#f16913",
}


@dataclass(frozen=True)
class Chart:
    name: str
    title: str
    caption: str
    path: Path
    thumbnail_png: bytes = field(repr=False)


def figure(prov: Provenance, title: str, size: tuple[float, float], nrows: int = 1, **kw):
    """A figure with the title, the synthetic banner (when it applies) and a source footer."""
    fig = Figure(figsize=size, dpi=DPI, layout="constrained")
    height = size[1]
    banner_in = 0.42 if prov.is_synthetic else 0.0  # inches reserved at the top
    title_top = 1 - (banner_in + 0.08) / height
    top = 1 - (banner_in + 0.45) / height
    bottom = 0.28 / height
    fig.get_layout_engine().set(rect=(0, bottom, 1, top - bottom))
    axes = fig.subplots(nrows, 1, squeeze=False, **kw)[:, 0]
    fig.text(0.01, title_top, title, fontsize=13, weight="bold", va="top")
    if prov.is_synthetic:
        fig.text(
            0.5,
            1 - 0.06 / height,
            f"{SYNTHETIC_BANNER}  \u00b7  simulated by the offline sample source",
            ha="center",
            va="top",
            fontsize=12,
            weight="bold",
            color="white",
            bbox={"facecolor": "#c62828", "edgecolor": "none", "boxstyle": "square,pad=0.45"},
        )
        fig.text(
            0.5,
            0.5,
            "SYNTHETIC",
            ha="center",
            va="center",
            rotation=25,
            fontsize=90,
            color="#c62828",
            alpha=0.07,
            weight="bold",
        )
    fig.text(0.01, 0.06 / height, prov.footer(), fontsize=7.5, color="#555555", va="bottom")
    return fig, axes


def save(fig: Figure, path: Path) -> bytes:
    """Write the full-size PNG atomically; return a small palette PNG for UI metadata.

    The figure is drawn once: the thumbnail is the full PNG scaled down, not a second render
    (a matplotlib draw is most of the report's time).
    """
    full = io.BytesIO()
    fig.savefig(full, format="png", dpi=DPI)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(full.getvalue())
    os.replace(tmp, path)
    from PIL import Image  # matplotlib's own dependency

    thumb = io.BytesIO()
    with Image.open(io.BytesIO(full.getvalue())) as image:
        size = tuple(max(1, round(n * THUMBNAIL_DPI / DPI)) for n in image.size)
        small = image.convert("RGB").resize(size, Image.Resampling.LANCZOS)
        small.quantize(colors=64).save(thumb, format="PNG", optimize=True)
    return thumb.getvalue()


def no_data(ax, what: str) -> None:
    ax.text(0.5, 0.5, f"no {what} in this publication", ha="center", va="center", fontsize=12)
    ax.set_axis_off()
