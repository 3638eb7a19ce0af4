"""Charts as PNG bytes, drawn with matplotlib's object API (no global pyplot state), so
they can be drawn in a worker thread or process with nothing but plain data as input."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

DPI = 100
MAX_WEEK_LABELS = 13
COLOURS = ("#2f6fdf", "#e07b39", "#3aa65b", "#b84fb5", "#888888")


def _png(fig: Figure, *, tight: bool = True) -> bytes:
    out = io.BytesIO()
    # the fastest compression: a chart is sent once, and encoding it at the default level
    # took a tenth of the time /mock stats spends
    fig.savefig(out, format="png", dpi=DPI, bbox_inches="tight" if tight else None,
                pil_kwargs={"compress_level": 1})  # fmt: skip
    return out.getvalue()


def progress(
    name: str,
    scores: Sequence[Mapping[str, float]],
    dimensions: Mapping[str, str],
    weeks: Sequence[tuple[str, int]],
) -> bytes:
    """Scores per rubric dimension over a member's rated sessions (oldest first), and
    sessions per week. ``dimensions`` maps ids to the names the form showed."""
    fig = Figure(figsize=(8, 6))
    top, bottom = fig.subplots(2, 1, gridspec_kw={"height_ratios": [3, 2]})
    top.set_title(f"{name}: scores per session")
    if scores:
        ids = sorted({d for s in scores for d in s}, key=lambda d: dimensions.get(d, d))
        for i, dim in enumerate(ids[:8]):
            xs = [n for n, s in enumerate(scores, start=1) if dim in s]
            ys = [s[dim] for s in scores if dim in s]
            label = dimensions.get(dim, dim.replace("-", " ").capitalize())
            top.plot(xs, ys, marker="o", markersize=3, label=label, color=COLOURS[i % 5])
        top.legend(loc="lower right", fontsize="small")
        top.set_xlim(0.5, max(len(scores), 1) + 0.5)
    else:
        top.text(0.5, 0.5, "No rated sessions yet", ha="center", va="center")
    top.set_ylim(0.5, 5.5)
    top.set_ylabel("score (1-5)")
    top.set_xlabel("session")
    top.xaxis.set_major_locator(MaxNLocator(integer=True))
    bottom.set_title("sessions per week")
    bottom.bar(range(len(weeks)), [n for _, n in weeks], color=COLOURS[0])
    bottom.set_xticks(*week_ticks(weeks), rotation=45, fontsize="x-small")
    bottom.set_ylabel("sessions")
    bottom.yaxis.set_major_locator(MaxNLocator(integer=True))
    # fixed margins: each automatic layout pass draws the whole figure once more, and this
    # chart answers /mock stats (about 190 ms with them, 105 ms without)
    fig.subplots_adjust(left=0.08, right=0.98, top=0.95, bottom=0.13, hspace=0.5)
    return _png(fig, tight=False)


def week_ticks(weeks: Sequence[tuple[str, int]]) -> tuple[list[int], list[str]]:
    """A label every few weeks, the first week's included: a year of weeks is 52 labels
    nobody can read, and each tick and label is drawn (most of a chart's time)."""
    every = max(1, -(-len(weeks) // MAX_WEEK_LABELS))
    shown = list(range(0, len(weeks), every))
    return shown, [weeks[k][0] for k in shown]


def participation(rounds: Sequence[tuple[str, int, int, int]]) -> bytes:
    """Per round (label, members paired, who met, no-shows), oldest first."""
    fig = Figure(figsize=(8, 4))
    ax = fig.subplots()
    ax.set_title("participation over the last rounds")
    xs = range(len(rounds))
    width = 0.28
    for k, (label, colour) in enumerate(
        (("paired", COLOURS[0]), ("met", COLOURS[2]), ("no-shows", COLOURS[1]))
    ):
        ax.bar(
            [x + (k - 1) * width for x in xs],
            [r[k + 1] for r in rounds],
            width,
            label=label,
            color=colour,
        )
    ax.set_xticks(list(xs), [r[0] for r in rounds], rotation=30, fontsize="x-small")
    ax.set_ylabel("members")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    if rounds:
        ax.legend(fontsize="small")
    else:
        ax.text(0.5, 0.5, "No rounds yet", ha="center", va="center", transform=ax.transAxes)
    fig.tight_layout()
    return _png(fig)
