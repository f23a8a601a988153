"""PNG charts for the weekly note and the dashboard (matplotlib, Agg, Cyrillic-safe font)."""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence
from typing import Any

from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from workflows.reports.heatmap import HeatCell
from workflows.reports.scope import clip

__all__ = ["heatmap_chart", "weekly_chart"]

# DejaVu Sans ships with matplotlib and has Cyrillic; pyplot is never used (not thread-safe).
_RC: dict[str, Any] = {
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
# rc_context changes matplotlib's global settings: one chart at a time across threads.
_LOCK = threading.Lock()
_BLUE, _GREEN, _RED = "#3b6fb6", "#4a9d5b", "#c8463d"
LABELLED = 15  # cells of the heat map that show their number
LABEL = 26  # characters of a sector's or a place's name on the heat map


WIDTH = 7.5  # inches; at the 110 dpi of _png, 825 px: Telegram shows it without scaling down
CHAR = 0.08  # inches a character of DejaVu Sans 9 pt takes, with room to spare


def _text_in(labels: Sequence[str], slant: float = 1.0) -> float:
    """Inches the longest label takes (× slant: sin of its angle for rotated labels)."""
    return max((len(x) for x in labels), default=0) * CHAR * slant


def _png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    return buf.getvalue()


def weekly_chart(weeks: Sequence[tuple[str, int, int, int]], *, title: str) -> bytes:
    """Received and answered per week (late answers in red on top of the answered bars)."""
    with _LOCK, rc_context(_RC):  # type: ignore[arg-type]
        fig = Figure(figsize=(WIDTH, 3.4))
        fig.subplots_adjust(left=0.09, right=0.98, bottom=0.2, top=0.9)
        ax = fig.add_subplot()
        labels = [w[0].split("-")[-1] for w in weeks]
        x = range(len(weeks))
        received = [w[1] for w in weeks]
        on_time = [w[2] - w[3] for w in weeks]
        late = [w[3] for w in weeks]
        ax.bar([i - 0.2 for i in x], received, width=0.4, color=_BLUE, label="поступило")
        ax.bar([i + 0.2 for i in x], on_time, width=0.4, color=_GREEN, label="отвечено в срок")
        ax.bar(
            [i + 0.2 for i in x],
            late,
            width=0.4,
            bottom=on_time,
            color=_RED,
            label="отвечено с нарушением срока",
        )
        ax.set_xticks(list(x), labels)
        ax.set_title(title)
        ax.set_ylabel("обращений")
        fig.legend(loc="lower center", ncols=3, frameon=False, fontsize=8)
        return _png(fig)


def heatmap_chart(cells: Sequence[HeatCell], *, title: str, max_rows: int = 12) -> bytes:
    """Sector × locality counts as a coloured grid with a scale; the hottest cells show counts."""
    sectors = sorted(
        {c.sector for c in cells}, key=lambda s: -sum(c.count for c in cells if c.sector == s)
    )
    places = sorted(
        {c.locality for c in cells}, key=lambda p: -sum(c.count for c in cells if c.locality == p)
    )
    sectors, places = sectors[:max_rows], places[:max_rows]
    # Long official names ("Самовольная информационная и (или) рекламная конструкция") would
    # squeeze the grid: labels are cut to LABEL characters.
    sector_labels = [clip(x, LABEL) for x in sectors]
    place_labels = [clip(x, LABEL) for x in places]
    grid = [[0] * len(places) for _ in sectors]
    for c in cells:
        if c.sector in sectors and c.locality in places:
            grid[sectors.index(c.sector)][places.index(c.locality)] += c.count
    with _LOCK, rc_context(_RC):  # type: ignore[arg-type]
        height = 1.2 + 0.35 * max(len(sectors), 1) + _text_in(place_labels, 0.71)
        fig = Figure(figsize=(WIDTH, height))
        # Margins from the labels' lengths, not a layout engine: that would draw it all twice.
        fig.subplots_adjust(
            left=(0.2 + _text_in(sector_labels)) / WIDTH,
            right=0.92,
            bottom=(0.3 + _text_in(place_labels, 0.71)) / height,
            top=1 - 0.45 / height,
        )
        ax = fig.add_subplot()
        if not cells:
            ax.text(0.5, 0.5, "нет обращений за период", ha="center", va="center")
            ax.set_axis_off()
        else:
            peak = max(max(row) for row in grid) or 1
            image = ax.imshow(grid, cmap="OrRd", aspect="auto", vmin=0, vmax=peak)
            fig.colorbar(image, ax=ax, pad=0.015, fraction=0.03)
            # Numbers on the hottest cells only: each label costs a text layout, and the head
            # needs the peaks named; the whole grid is in the dashboard and the workbook.
            hottest = sorted(
                ((n, i, j) for i, row in enumerate(grid) for j, n in enumerate(row) if n),
                reverse=True,
            )[:LABELLED]
            for n, i, j in hottest:
                ax.text(
                    j,
                    i,
                    str(n),
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if n > peak * 0.6 else "black",
                )
            ax.set_yticks(range(len(sectors)), sector_labels)
            ax.set_xticks(range(len(places)), place_labels, rotation=45, ha="right")
        ax.set_title(title)
        return _png(fig)
