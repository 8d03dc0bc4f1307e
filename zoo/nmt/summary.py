"""Summarise translation runs over seeds: `python -m zoo.nmt.summary RUN_DIR... [--out FILE]`.

Reads the `report.json` that train_nmt.py writes into each run folder and groups the runs by
model. The first table gives each model's parameters, epochs, wall time, the number of test
pairs, and the test split's masked accuracy, BLEU and chrF++, as mean ± standard deviation over
its runs. The deviation is the sample one (n − 1), and a model with one run shows its value
alone. A second table gives every run's translations of the probe sentences, so the numbers can
be read next to real output.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import click

from zoo.cli import check_output_file, configure_logging, exit_on_user_error
from zoo.errors import DataError

REQUIRED_KEYS = ("model", "parameters", "epochs_run", "wall_time_s", "splits", "probes")
TEST_KEYS = ("masked_accuracy", "bleu", "chrf")


def read_nmt_report(run_dir: Path) -> dict:
    """Return the parsed report.json of a train_nmt.py run; raise DataError naming the file and the fix."""
    path = run_dir / "report.json"
    if not run_dir.is_dir():
        found = "is a file" if run_dir.exists() else "not found"
        raise DataError(f"Run folder {run_dir} {found}; pass the --workdir folder of a train_nmt.py run.")
    if not path.is_file() and any(run_dir.glob("*/report.json")):
        raise DataError(
            f"{run_dir} contains run folders, not a run; pass each run folder, e.g. {run_dir}/*/"
        )
    if not path.is_file():
        raise DataError(
            f"{path} not found. train_nmt.py writes it when training ends; run it again with "
            "--workdir set to this folder to resume and finish."
        )
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise DataError(f"{path} is not valid JSON ({error}); run train_nmt.py again to rewrite it.") from None
    test = report.get("splits", {}).get("test", {}) if isinstance(report, dict) else {}
    missing = [key for key in REQUIRED_KEYS if key not in report]
    missing += [f"splits.test.{key}" for key in TEST_KEYS if key not in test]
    if missing:
        raise DataError(
            f"{path} is missing {', '.join(missing)}, so it is not a finished train_nmt.py report; "
            "pass the --workdir folders of translation runs."
        )
    return report


def mean_std(values: list[float], digits: int) -> str:
    """Return "mean ± std" with `digits` decimals (the sample standard deviation), or the value alone for one run."""
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{statistics.mean(values):.{digits}f} ± {statistics.stdev(values):.{digits}f}"


def group_by_model(reports: list[dict]) -> dict[str, list[dict]]:
    """Return the reports grouped by model name, models in order of first appearance."""
    groups: dict[str, list[dict]] = {}
    for report in reports:
        groups.setdefault(report["model"], []).append(report)
    return groups


def value_range(values: list[int]) -> str:
    """Return "low–high" of integer counts, or the one value when they agree."""
    low, high = min(values), max(values)
    return f"{low:,}" if low == high else f"{low:,}–{high:,}"


def scores_table(reports: list[dict]) -> str:
    """Return the markdown table of test scores with one row per model."""
    lines = [
        "| model | parameters | epochs | wall time, s | test pairs | masked accuracy | BLEU | chrF++ | runs |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for model, group in group_by_model(reports).items():
        tests = [report["splits"]["test"] for report in group]
        cells = [
            f"`{model}`",
            value_range([report["parameters"] for report in group]),
            mean_std([float(report["epochs_run"]) for report in group], 1),
            mean_std([float(report["wall_time_s"]) for report in group], 0),
            value_range([int(test.get("pairs", 0)) for test in tests]),
            mean_std([test["masked_accuracy"] for test in tests], 3),
            mean_std([test["bleu"] for test in tests], 2),
            mean_std([test["chrf"] for test in tests], 2),
            str(len(group)),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def markdown_cell(text: str) -> str:
    """Return `text` safe for one markdown table cell; an empty translation shows as "(empty)"."""
    text = " ".join(text.split()).replace("|", "\\|")
    return text if text else "(empty)"


def probes_table(names: list[str], reports: list[dict]) -> str:
    """Return a markdown table with one row per run and one column per probe sentence."""
    probes = [probe["english"] for probe in reports[0]["probes"]]
    lines = ["| run | model | " + " | ".join(f'"{markdown_cell(probe)}"' for probe in probes) + " |"]
    lines.append("|---|---|" + "---|" * len(probes))
    for name, report in zip(names, reports):
        translations = {probe["english"]: probe["translation"] for probe in report["probes"]}
        cells = [markdown_cell(translations[probe]) if probe in translations else "(not asked)" for probe in probes]
        lines.append(f"| {name} | `{report['model']}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def summarise(run_dirs: list[Path]) -> str:
    """Return the markdown summary (scores table, then probe translations) of the given run folders."""
    if not run_dirs:
        raise DataError("No run folders given; pass one or more --workdir folders of train_nmt.py runs.")
    seen: set[Path] = set()
    for run_dir in run_dirs:
        if run_dir.resolve() in seen:
            raise DataError(f"Run folder {run_dir} is given twice; pass each run once so that it counts once.")
        seen.add(run_dir.resolve())
    reports = [read_nmt_report(run_dir) for run_dir in run_dirs]
    names = [run_dir.name or str(run_dir) for run_dir in run_dirs]
    return "\n\n".join([scores_table(reports), probes_table(names, reports)]) + "\n"


@click.command()
@click.argument("run_dirs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the markdown here instead of printing it.")
def main(run_dirs, out):
    """Tabulate finished translation runs (train_nmt.py --workdir folders), grouped by model."""
    configure_logging()
    with exit_on_user_error():
        markdown = summarise(list(run_dirs))
        if out is None:
            click.echo(markdown, nl=False)
        else:
            check_output_file(out, None)
            try:
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_text(markdown, encoding="utf-8")
            except OSError as error:
                raise DataError(f"Cannot write --out {out}: {error.strerror or error}. Pass a path you can write to.") from None
            click.echo(f"Wrote {out}.")


if __name__ == "__main__":
    main()
