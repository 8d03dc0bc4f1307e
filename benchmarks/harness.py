"""Shared parts of the comparison scripts: alternating rounds, machine description, markdown output.

Every script times two or more implementations of the same computation in one process. They
take turns: each round runs a few steps of every side, in an order that rotates from round
to round. A change in the machine's load (another job starting, the CPU clocking down) then
hits every side alike instead of whichever happened to run last. A ratio is computed inside
each round, from steps taken seconds apart, and the reported ratio is the median over rounds.
"""

from __future__ import annotations

import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
from typing import Callable

import jax

# A side makes `count` steps and returns their wall times in seconds.
Side = Callable[[int], list[float]]


def alternate(sides: dict[str, Side], *, rounds: int, steps: int, warmup: int) -> dict[str, list[float]]:
    """Run every side `warmup` steps, then `rounds` rounds of `steps` steps each; return each side's round medians."""
    for name, side in sides.items():
        start = time.perf_counter()
        side(warmup)
        log(f"warm-up {name}: {time.perf_counter() - start:.1f} s")
    medians: dict[str, list[float]] = {name: [] for name in sides}
    names = list(sides)
    for round_index in range(rounds):
        shift = round_index % len(names)
        for name in names[shift:] + names[:shift]:
            medians[name].append(statistics.median(sides[name](steps)))
        summary = ", ".join(f"{name} {1e3 * medians[name][-1]:.1f} ms" for name in names)
        log(f"round {round_index + 1}/{rounds}: {summary}")
    return medians


def speed_ratio(fast: list[float], slow: list[float]) -> float:
    """Return the median over rounds of slow_time / fast_time: how many times `fast` outruns `slow` in throughput."""
    return statistics.median(s / f for f, s in zip(fast, slow))


def machine() -> dict[str, str]:
    """Return the CPU model (from `lscpu`), the core count and the load average when called."""
    model = platform.processor() or "unknown"
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        for line in lscpu.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return {"cpu": model, "cores": str(os.cpu_count()), "load average (1, 5, 15 min)": load}


def machine_line(before: dict[str, str], after: dict[str, str]) -> str:
    """Return the report line with the CPU, the core count and the load average before and after the run."""
    key = "load average (1, 5, 15 min)"
    return f"- machine: {before['cpu']}, {before['cores']} cores; load average before {before[key]}, after {after[key]}"


def software_lines(*modules) -> list[str]:
    """Return the report lines with the JAX backend, the versions of `modules` and the command that ran."""
    return [f"- jax backend {jax.default_backend()}; {versions(*modules)}", f"- command: `{command_line()}`"]


def versions(*modules) -> str:
    """Return 'python X, name Y, ...' for the given imported modules."""
    parts = [f"python {platform.python_version()}"]
    parts += [f"{module.__name__} {module.__version__}" for module in modules]
    return ", ".join(parts)


def command_line() -> str:
    """Return the command that started this script, as one could type it again."""
    return "python " + " ".join(shlex.quote(arg) for arg in sys.argv)


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    """Return a GitHub markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def milliseconds(seconds: list[float]) -> str:
    """Format the median of round medians in milliseconds."""
    return f"{1e3 * statistics.median(seconds):.1f}"


def log(message: str) -> None:
    """Print progress to stderr, keeping stdout for the report."""
    print(message, file=sys.stderr, flush=True)
