"""Per-epoch metrics: `metrics.csv` and `curves.png`."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # headless servers have no display
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402


def write_metrics_csv(rows: list[dict], path: Path) -> None:
    """Write one row per epoch, replacing the file atomically."""
    if not rows:
        return
    partial = path.with_name(path.name + ".tmp")
    with open(partial, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    os.replace(partial, path)


def plot_curves(rows: list[dict], path: Path, title: str = "") -> None:
    """Plot loss, accuracy and learning rate per epoch for train and validation."""
    if not rows:
        return
    epochs = [row["epoch"] for row in rows]
    figure, axes = plt.subplots(1, 3, figsize=(14, 4))
    for axis, metric in zip(axes[:2], ("loss", "accuracy")):
        axis.plot(epochs, [row[f"train_{metric}"] for row in rows], marker="o", label="train")
        axis.plot(epochs, [row[f"val_{metric}"] for row in rows], marker="o", label="validation")
        axis.set_xlabel("epoch")
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        axis.set_ylabel(metric)
        if metric == "loss":
            axis.set_yscale("log")  # one unstable validation epoch would otherwise flatten the rest
        axis.grid(alpha=0.3)
        axis.legend()
    axes[2].plot(epochs, [row["learning_rate"] for row in rows], marker="o", color="tab:green")
    axes[2].set_yscale("log")
    axes[2].set_xlabel("epoch")
    axes[2].xaxis.set_major_locator(MaxNLocator(integer=True))
    axes[2].set_ylabel("learning rate")
    axes[2].grid(alpha=0.3)
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
