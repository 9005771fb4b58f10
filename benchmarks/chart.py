"""The chart of `make bench`: each cost of the growth table (benchmarks/growth.py) against size, log-log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks.growth import COSTS, total


def write_chart(results: dict[str, Any], path: Path) -> None:
    """Write the PNG: load, validation, named queries (sum of p50), lookups/s and peak RSS against size."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = sorted(results["sizes"], key=int)
    x = [int(s) for s in sizes]
    panels: dict[str, dict[str, list[float | None]]] = {}
    for cost in COSTS:
        values = [total(cost.pick(results["sizes"][s])) for s in sizes]
        if any(values):
            panels.setdefault(f"{cost.cost} ({cost.unit})", {})[cost.system] = values
    figure, axes = plt.subplots(2, 3, figsize=(15, 8))
    for axis in axes.flat[len(panels):]:
        axis.set_visible(False)
    for axis, (title, lines) in zip(axes.flat, panels.items(), strict=False):
        for label, values in lines.items():
            points = [(a, b) for a, b in zip(x, values, strict=True) if b is not None]
            if points:
                axis.plot(*zip(*points, strict=True), marker="o", label=label.replace("`", ""))
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_title(title)
        axis.set_xlabel("triples")
        axis.grid(True, which="both", alpha=0.3)
        axis.legend(fontsize=7)
    figure.suptitle("mgkg and its peers: cost versus size (log-log; lookups/s: higher is better, else lower)")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
