"""Small server-rendered SVG charts: no JavaScript, no chart library, readable without colour.

Every chart carries a <title> and an aria-label and sits next to the table it draws, so screen-reader
users and printouts lose nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from fieldops.i18n import local_number, local_percent

# Text size in the charts' own units. The charts are drawn about as wide as they are shown on a tablet (a card of
# ~450 px at 1024 px, ~330 px on a phone), so 18 units are 12–17 CSS px: readable at arm's length.
FONT = 18
CHAR = FONT * 0.56  # the width of an average character, for placing labels without overlap


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]
    css: str  # class: colour and dash pattern come from app.css


def _nice_max(value: float) -> float:
    """A round axis maximum at or above value (1, 2, 2.5, 5 x 10^n)."""
    if value <= 0:
        return 1.0
    magnitude: int = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10.0 * magnitude


def line_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    width: int = 480,
    height: int = 280,
    percent: bool = False,
    label_every: int | None = None,
) -> Markup:
    """A line chart of one or more series over the same labels (weeks); None leaves a gap."""
    longest = max((len(label) for label in labels), default=0)
    # Room for the y labels on the left and half the last week's label on the right, so nothing is clipped.
    left, right, top, bottom = 8 + int(CHAR * 5), 6 + int(CHAR * longest / 2), 12, 2 * FONT + 26
    plot_w, plot_h = width - left - right, height - top - bottom
    n = len(labels)
    highest = max((v for s in series for v in s.values if v is not None), default=0.0)
    y_max = 1.0 if percent else _nice_max(float(highest))
    step = plot_w / max(n - 1, 1)

    def x(i: int) -> float:
        return left + (i * step if n > 1 else plot_w / 2)

    def y(v: float) -> float:
        return top + plot_h - (v / y_max) * plot_h

    parts = [
        f'<svg class="chart line-chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        f'preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for k in range(5):
        tick = y_max * k / 4
        yy = y(tick)
        text = _number(tick, percent=percent, digits=0 if percent or y_max >= 4 else 1)
        parts.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{yy:.1f}" y2="{yy:.1f}"/>')
        parts.append(f'<text class="axis" x="{left - 6}" y="{yy + 4:.1f}" text-anchor="end">{text}</text>')
    # As many week labels as fit side by side.
    fit = max(1, int(plot_w // (CHAR * (longest + 2)))) if longest else n
    every = label_every or max(1, -(-n // fit))
    for i, label in enumerate(labels):
        if i % every == 0:
            parts.append(f'<text class="axis" x="{x(i):.1f}" y="{top + plot_h + FONT + 4}" text-anchor="middle">{escape(label)}</text>')
    for s in series:
        runs: list[list[str]] = [[]]
        for i, v in enumerate(s.values):
            if v is None:
                runs.append([])
            else:
                runs[-1].append(f"{x(i):.1f},{y(float(v)):.1f}")
        for run in runs:
            if len(run) > 1:
                parts.append(f'<polyline class="series {s.css}" points="{" ".join(run)}"><title>{escape(s.name)}</title></polyline>')
            elif len(run) == 1:
                cx, cy = run[0].split(",")
                parts.append(f'<circle class="series {s.css}" cx="{cx}" cy="{cy}" r="3"><title>{escape(s.name)}</title></circle>')
    legend_x = left + 4
    for s in series:
        parts.append(f'<line class="series {s.css}" x1="{legend_x}" x2="{legend_x + 22}" y1="{height - FONT / 2 - 2}" y2="{height - FONT / 2 - 2}"/>')
        parts.append(f'<text class="legend" x="{legend_x + 28}" y="{height - 4}">{escape(s.name)}</text>')
        legend_x += 44 + int(CHAR * len(s.name))
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_chart(title: str, items: Sequence[tuple[str, float | None]], *, percent: bool = False, unit: str = "", width: int = 480, bar: int = 26) -> Markup:
    """Horizontal bars, one per item, with the value written at the end of each bar."""
    label_w, value_w, gap = int(CHAR * 16), int(CHAR * 7), 8
    height = len(items) * (bar + gap) + 8
    plot_w = width - label_w - value_w
    highest = max((v for _, v in items if v is not None), default=0.0)
    x_max = 1.0 if percent else _nice_max(float(highest))
    parts = [
        f'<svg class="chart bar-chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (label, v) in enumerate(items):
        top = 4 + i * (bar + gap)
        short = label if len(label) <= 15 else label[:14] + "…"
        parts.append(f'<text class="axis" x="{label_w - 6}" y="{top + bar / 2 + FONT * 0.36:.1f}" text-anchor="end">{escape(short)}<title>{escape(label)}</title></text>')
        if v is None:
            parts.append(f'<text class="value" x="{label_w + 4}" y="{top + bar / 2 + FONT * 0.36:.1f}">–</text>')
            continue
        w = max(1.0, plot_w * min(float(v) / x_max, 1.0))
        text = _number(float(v), percent=percent, digits=1) + ("" if percent else unit)
        parts.append(f'<rect class="bar" x="{label_w}" y="{top}" width="{w:.1f}" height="{bar}"><title>{escape(label)}: {text}</title></rect>')
        parts.append(f'<text class="value" x="{label_w + w + 4:.1f}" y="{top + bar / 2 + FONT * 0.36:.1f}">{text}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _number(value: float, *, percent: bool, digits: int) -> str:
    """A figure as the reader's language writes it: "1,234" / "1.234", "85%" / "85 %"."""
    return local_percent(value) if percent else local_number(value, digits)
