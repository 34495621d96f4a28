"""Draws the ratio chart (run by the bench tools venv, which has matplotlib): `python chart.py ratios.json out.png`.

ratios.json maps a metric label to {peer: how many times better shardline is}.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import matplotlib  # type: ignore[import-not-found, unused-ignore]

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # type: ignore[import-not-found, unused-ignore]


def draw(ratios: dict[str, dict[str, float]], title: str, output: Path) -> None:
    labels = list(ratios)
    peers = sorted({peer for row in ratios.values() for peer in row})
    figure, axes = plt.subplots(figsize=(11, 0.55 * len(labels) * max(1, len(peers)) / 2 + 2.5))
    height = 0.8 / max(1, len(peers))
    for index, peer in enumerate(peers):
        positions = [row + index * height for row in range(len(labels))]
        values = [ratios[label].get(peer, 0.0) for label in labels]
        bars = axes.barh(positions, values, height=height, label=peer)
        for bar, value in zip(bars, values):
            if value > 0:
                shown = f"×{value:,.0f}" if value >= 10 else f"×{value:.2g}"
                axes.text(bar.get_width() * 1.05, bar.get_y() + bar.get_height() / 2, shown,
                          va="center", fontsize=7)
    axes.set_xscale("log")
    axes.axvline(1.0, color="black", linewidth=0.8)
    axes.set_yticks([row + 0.4 - height / 2 for row in range(len(labels))], labels, fontsize=8)
    axes.invert_yaxis()
    axes.set_xlabel("times better than the peer (log scale; right of 1 = shardline ahead)")
    axes.set_title(title, fontsize=10)
    axes.legend(fontsize=8, loc="lower right")
    figure.tight_layout()
    figure.savefig(output, dpi=110)


if __name__ == "__main__":
    document = json.loads(Path(sys.argv[1]).read_text())
    draw(document["ratios"], document["title"], Path(sys.argv[2]))
