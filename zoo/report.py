"""Compare FER training runs: `python -m zoo.report RUN_DIR... --out PAGE.md`.

Reads each run's `report.json` and `curves.png` (written by train_fer.py) and writes a markdown
page with an ablation table, a figure of every run's curves side by side, validation accuracy
against wall-clock time, and the confusion matrix of the best run. The figures go beside the
page as PAGE_curves.png, PAGE_time_to_accuracy.png and PAGE_confusion.png. Existing files of
those names are overwritten, which is why `--out` has no default. The best run is the one with
the highest validation accuracy: the test split is reported, never used to choose.

Translation runs are summarised by `python -m zoo.nmt.summary` instead.
"""

from __future__ import annotations

import csv
import json
import logging
import math
import os
from pathlib import Path

import click
import matplotlib

matplotlib.use("Agg")  # headless servers have no display
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from zoo.cli import check_output_file, configure_logging, exit_on_user_error  # noqa: E402
from zoo.errors import DataError  # noqa: E402

log = logging.getLogger(__name__)

CURVES_PER_ROW = 2
REQUIRED_KEYS = ("model", "parameters", "epochs_run", "best_epoch", "wall_time_s", "splits")


def read_report(run_dir: Path) -> dict:
    """Return the parsed report.json of `run_dir`; raise DataError naming the file and the fix."""
    path = run_dir / "report.json"
    if not path.is_file():
        raise DataError(
            f"{path} not found. Finish the run first: train_fer.py writes report.json when training ends "
            "(run it again with the same --workdir to resume)."
        )
    try:
        report = json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise DataError(f"{path} is not valid JSON ({error}); run train_fer.py again to rewrite it.") from None
    splits = report.get("splits", {}) if isinstance(report, dict) else {}
    if "tokenizer" in report or any("masked_accuracy" in scores for scores in splits.values()):
        raise DataError(
            f"{path} belongs to a translation run (train_nmt.py), and zoo.report compares FER runs only. "
            f"Tabulate translation runs with python -m zoo.nmt.summary {run_dir}."
        )
    missing = [key for key in REQUIRED_KEYS if key not in report]
    missing += [f"splits.{split}" for split in ("train", "val", "test") if split not in splits]
    missing += [
        f"splits.{split}.accuracy" for split in ("train", "val", "test")
        if split in splits and "accuracy" not in splits[split]
    ]
    if missing:
        raise DataError(f"{path} is missing {', '.join(missing)}, so train_fer.py did not write it; pass a run folder of train_fer.py.")
    return report


def run_names(run_dirs: list[Path]) -> list[str]:
    """Return each run's folder name, or its path as given where two folders share a name."""
    names = [run_dir.name or str(run_dir) for run_dir in run_dirs]
    return [name if names.count(name) == 1 else str(run_dir) for name, run_dir in zip(names, run_dirs)]


def best_run_index(reports: list[dict]) -> int:
    """Return the index of the run with the highest validation accuracy (lower validation loss breaks ties)."""
    keys = [(report["splits"]["val"]["accuracy"], -report["splits"]["val"]["loss"]) for report in reports]
    return max(range(len(reports)), key=keys.__getitem__)


def ablation_table(names: list[str], reports: list[dict], best: int) -> str:
    """Return the markdown table with one row per run; the best run is marked."""
    lines = [
        "| run | model | parameters | epochs run | best epoch | train acc. | val acc. | test acc. | wall time (s) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for index, (name, report) in enumerate(zip(names, reports)):
        splits = report["splits"]
        marker = " (best)" if index == best else ""
        lines.append(
            f"| {name}{marker} | {report['model']} | {report['parameters']:,} | {report['epochs_run']} | "
            f"{report['best_epoch']} | {splits['train']['accuracy']:.4f} | {splits['val']['accuracy']:.4f} | "
            f"{splits['test']['accuracy']:.4f} | {report['wall_time_s']:.1f} |"
        )
    return "\n".join(lines)


def per_class_table(report: dict) -> str:
    """Return the test split's per-class precision, recall, F1 and support as a markdown table."""
    lines = ["| emotion | precision | recall | F1 | support |", "|---|---:|---:|---:|---:|"]
    for emotion, scores in report["splits"]["test"].get("per_class", {}).items():
        lines.append(
            f"| {emotion} | {scores['precision']:.3f} | {scores['recall']:.3f} | {scores['f1']:.3f} | {scores['support']} |"
        )
    return "\n".join(lines)


def plot_curves_grid(names: list[str], run_dirs: list[Path], path: Path) -> list[str]:
    """Save every run's curves.png side by side, two per row, titled by run; return the runs without one."""
    present = [(name, run_dir / "curves.png") for name, run_dir in zip(names, run_dirs) if (run_dir / "curves.png").is_file()]
    missing = [name for name, run_dir in zip(names, run_dirs) if not (run_dir / "curves.png").is_file()]
    if not present:
        return missing
    columns = min(CURVES_PER_ROW, len(present))
    rows = -(-len(present) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(8 * columns, 2.6 * rows), squeeze=False)
    for axis in axes.ravel():
        axis.axis("off")
    for axis, (name, curves_path) in zip(axes.ravel(), present):
        axis.imshow(plt.imread(curves_path))
        axis.set_title(name, fontsize=11)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return missing


def read_validation_timeline(run_dir: Path) -> list[tuple[float, float]]:
    """Return (wall-clock seconds, validation accuracy) after every epoch from metrics.csv, or []."""
    path = run_dir / "metrics.csv"
    if not path.is_file():
        return []
    with open(path, newline="") as handle:
        rows = list(csv.DictReader(handle))
    if not rows or "wall_time_s" not in rows[0]:
        return []
    return [(float(row["wall_time_s"]), float(row["val_accuracy"])) for row in rows]


def plot_time_to_accuracy(names: list[str], run_dirs: list[Path], path: Path, *, budget_minutes: float | None = None,
                          target_accuracy: float | None = None) -> bool:
    """Plot validation accuracy against training wall-clock minutes for every run; return whether any had data.

    A time budget is drawn as a vertical dashed line and a target accuracy as a horizontal one.
    """
    timelines = [(name, read_validation_timeline(run_dir)) for name, run_dir in zip(names, run_dirs)]
    timelines = [(name, points) for name, points in timelines if points]
    if not timelines:
        return False
    figure, axis = plt.subplots(figsize=(7.5, 4.5))
    for name, points in timelines:
        minutes = [0.0] + [seconds / 60 for seconds, _ in points]
        accuracies = [float("nan")] + [accuracy for _, accuracy in points]
        axis.plot(minutes, accuracies, marker="o", label=name)
    if budget_minutes is not None:
        axis.axvline(budget_minutes, color="grey", linestyle="--", label=f"budget, {budget_minutes:g} min")
    if target_accuracy is not None:
        axis.axhline(target_accuracy, color="red", linestyle="--", label=f"target, {target_accuracy:g}")
    axis.set_xlabel("training wall clock, minutes (compilation and validation included)")
    axis.set_ylabel("validation accuracy")
    axis.grid(alpha=0.3)
    axis.legend()
    axis.set_title("Time to accuracy")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return True


def time_to_accuracy_table(names: list[str], run_dirs: list[Path], budget_minutes: float | None,
                           target_accuracy: float | None) -> str:
    """Return a markdown table per run: best validation accuracy within the budget, and when the target was first met."""
    lines = ["| run | best val. acc. within budget | at minute | target first met at minute |", "|---|---:|---:|---:|"]
    for name, run_dir in zip(names, run_dirs):
        points = read_validation_timeline(run_dir)
        if not points:
            continue
        limit = float("inf") if budget_minutes is None else 60 * budget_minutes
        inside = [(seconds, accuracy) for seconds, accuracy in points if seconds <= limit]
        best, at = "no epoch ended", "–"
        if inside:
            seconds, accuracy = max(inside, key=lambda point: point[1])
            best, at = f"{accuracy:.4f}", f"{seconds / 60:.1f}"
        first = "–"
        if target_accuracy is not None:
            met = [seconds for seconds, accuracy in points if accuracy >= target_accuracy]
            first = f"{met[0] / 60:.1f}" if met else "not met"
        lines.append(f"| {name} | {best} | {at} | {first} |")
    return "\n".join(lines)


def plot_confusion_matrix(matrix: np.ndarray, labels: list[str], path: Path, title: str) -> None:
    """Save a confusion matrix: colour is the share of each true class (row), text the count and share."""
    row_totals = matrix.sum(axis=1, keepdims=True)
    shares = np.divide(matrix, row_totals, out=np.zeros(matrix.shape, float), where=row_totals > 0)
    figure, axis = plt.subplots(figsize=(7.5, 6.5))
    shown = axis.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    for row in range(matrix.shape[0]):
        for column in range(matrix.shape[1]):
            colour = "white" if shares[row, column] > 0.6 else "black"
            axis.text(column, row, f"{matrix[row, column]}\n{shares[row, column]:.0%}", ha="center", va="center",
                      fontsize=8, color=colour)
    axis.set_xticks(range(len(labels)), labels, rotation=45, ha="right")
    axis.set_yticks(range(len(labels)), labels)
    axis.set_xlabel("predicted")
    axis.set_ylabel("true")
    figure.colorbar(shown, ax=axis, fraction=0.046, pad=0.04, label="share of the true class")
    axis.set_title(title, fontsize=10)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def write_report(run_dirs: list[Path], out: Path, *, budget_minutes: float | None = None,
                 target_accuracy: float | None = None) -> tuple[str, list[Path]]:
    """Write the comparison page `out` and its figures beside it; return the markdown and the files written.

    `budget_minutes` and `target_accuracy` add a time budget and a target to the time-to-accuracy
    figure, and a table of what each run reached within the budget.
    """
    if not run_dirs:
        raise DataError("No run folders given; pass one or more --workdir folders of train_fer.py runs.")
    reports = [read_report(run_dir) for run_dir in run_dirs]
    names = run_names(run_dirs)
    best = best_run_index(reports)
    out.parent.mkdir(parents=True, exist_ok=True)
    curves_path = out.with_name(f"{out.stem}_curves.png")
    confusion_path = out.with_name(f"{out.stem}_confusion.png")

    written = [out]
    missing_curves = plot_curves_grid(names, run_dirs, curves_path)
    best_report = reports[best]
    test = best_report["splits"]["test"]
    sections = [
        "# FER-2013 experiments",
        f"Runs: {', '.join(f'`{run_dir}`' for run_dir in run_dirs)}. Accuracy on train, validation "
        "(PublicTest, unless the run validated on a slice of train) and test (PrivateTest). The best "
        "run has the highest validation accuracy; the test split plays no part in that choice.",
        ablation_table(names, reports, best),
        "## Training curves",
    ]
    if len(missing_curves) < len(run_dirs):
        written.append(curves_path)
        sections.append(f"![training curves of every run]({os.path.relpath(curves_path, out.parent)})")
    if missing_curves:
        sections.append(f"No curves.png in: {', '.join(missing_curves)}.")

    timeline_path = out.with_name(f"{out.stem}_time_to_accuracy.png")
    if plot_time_to_accuracy(names, run_dirs, timeline_path, budget_minutes=budget_minutes,
                             target_accuracy=target_accuracy):
        written.append(timeline_path)
        sections.append("## Time to accuracy")
        sections.append(
            "Validation accuracy after each epoch against the run's training wall clock (the "
            "`wall_time_s` column of metrics.csv, summed over resumed parts), on the machine each run used."
        )
        sections.append(f"![validation accuracy against wall clock]({os.path.relpath(timeline_path, out.parent)})")
        if budget_minutes is not None or target_accuracy is not None:
            sections.append(time_to_accuracy_table(names, run_dirs, budget_minutes, target_accuracy))

    sections.append(f"## Best run: {names[best]} ({best_report['model']})")
    if "confusion_matrix" in test:
        labels = best_report.get("labels") or [str(index) for index in range(len(test["confusion_matrix"]))]
        plot_confusion_matrix(
            np.asarray(test["confusion_matrix"]), labels, confusion_path,
            f"{names[best]} ({best_report['model']}): test confusion matrix, accuracy {test['accuracy']:.4f}",
        )
        written.append(confusion_path)
        sections.append(f"![confusion matrix of the best run]({os.path.relpath(confusion_path, out.parent)})")
    else:
        sections.append("Its report.json has no test confusion matrix.")
    if test.get("per_class"):
        sections.append(per_class_table(best_report))

    markdown = "\n\n".join(sections) + "\n"
    out.write_text(markdown)
    return markdown, written


def reject_nan(context: click.Context, parameter: click.Parameter, value: float | None) -> float | None:
    """Return `value`, or raise a usage error for NaN, which click.FloatRange lets through."""
    if value is not None and math.isnan(value):
        raise click.BadParameter("nan is not a number; give a value such as 30 or 0.6.")
    return value


@click.command()
@click.argument("run_dirs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), required=True,
              help="Markdown page to write, e.g. docs/experiments.md. Its figures are written beside it as "
                   "<name>_curves.png, <name>_time_to_accuracy.png and <name>_confusion.png; existing files "
                   "are overwritten.")
@click.option("--budget-minutes", type=click.FloatRange(min=0, min_open=True), default=None, callback=reject_nan,
              help="Training time budget to mark on the time-to-accuracy figure, in minutes.")
@click.option("--target-accuracy", type=click.FloatRange(0, 1), default=None, callback=reject_nan,
              help="Validation accuracy to mark on the time-to-accuracy figure, e.g. 0.6.")
def main(run_dirs, out, budget_minutes, target_accuracy):
    """Compare finished FER runs (train_fer.py --workdir folders): ablation table, curves, confusion matrix."""
    configure_logging()
    with exit_on_user_error():
        check_output_file(out, None)
        _, written = write_report(list(run_dirs), out, budget_minutes=budget_minutes, target_accuracy=target_accuracy)
        names = [str(path) for path in written]
        listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
        click.echo(f"Wrote {listed}.")


if __name__ == "__main__":
    main()
