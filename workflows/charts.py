"""PNG charts for the weekly note and the dashboard (matplotlib, Agg, Cyrillic-safe font)."""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence
from typing import Any

from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from workflows.reports import HeatCell

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


def _png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    return buf.getvalue()


def weekly_chart(weeks: Sequence[tuple[str, int, int, int]], *, title: str) -> bytes:
    """Received and answered per week (late answers in red on top of the answered bars)."""
    with _LOCK, rc_context(_RC):  # type: ignore[arg-type]
        fig = Figure(figsize=(7.5, 3.4), layout="constrained")
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
        ax.legend(loc="upper left", frameon=False, fontsize=8)
        return _png(fig)


def heatmap_chart(cells: Sequence[HeatCell], *, title: str, max_rows: int = 12) -> bytes:
    """Sector × locality counts as a coloured grid, each cell labelled with its count."""
    sectors = sorted(
        {c.sector for c in cells}, key=lambda s: -sum(c.count for c in cells if c.sector == s)
    )
    places = sorted(
        {c.locality for c in cells}, key=lambda p: -sum(c.count for c in cells if c.locality == p)
    )
    sectors, places = sectors[:max_rows], places[:max_rows]
    grid = [[0] * len(places) for _ in sectors]
    for c in cells:
        if c.sector in sectors and c.locality in places:
            grid[sectors.index(c.sector)][places.index(c.locality)] += c.count
    with _LOCK, rc_context(_RC):  # type: ignore[arg-type]
        fig = Figure(figsize=(7.5, 1.2 + 0.35 * max(len(sectors), 1)), layout="constrained")
        ax = fig.add_subplot()
        if not cells:
            ax.text(0.5, 0.5, "нет обращений за период", ha="center", va="center")
            ax.set_axis_off()
        else:
            peak = max(max(row) for row in grid) or 1
            ax.imshow(grid, cmap="OrRd", aspect="auto", vmin=0, vmax=peak)
            for i, row in enumerate(grid):
                for j, n in enumerate(row):
                    if n:
                        ax.text(
                            j,
                            i,
                            str(n),
                            ha="center",
                            va="center",
                            fontsize=8,
                            color="white" if n > peak * 0.6 else "black",
                        )
            ax.set_yticks(range(len(sectors)), sectors)
            ax.set_xticks(range(len(places)), places, rotation=30, ha="right")
        ax.set_title(title)
        return _png(fig)
