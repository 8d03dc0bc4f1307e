"""Shared command-line plumbing: logging set-up and clean exits on user errors."""

from __future__ import annotations

import contextlib
import logging
import sys
from pathlib import Path

import click

from zoo.errors import ZooError


def configure_logging(verbose: bool = False) -> None:
    """Log the project's messages to stderr, one line each; quiet the libraries' chatter."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(message)s",
        datefmt="%H:%M:%S",
        stream=sys.stderr,
        force=True,  # importing orbax installs a root handler first, which would drop INFO lines
    )
    for noisy in ("absl", "jax", "orbax", "flax"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


@contextlib.contextmanager
def exit_on_user_error():
    """Turn a ZooError into its message and exit status 2, without a traceback."""
    try:
        yield
    except ZooError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(2)


@contextlib.contextmanager
def explain_interrupt(workdir: str | Path):
    """Turn Ctrl-C into a message on how to resume the run in `workdir`, and exit status 130."""
    try:
        yield
    except KeyboardInterrupt:
        from zoo.training.checkpoint import LATEST, saved_epochs

        epochs = saved_epochs(Path(workdir) / "checkpoints" / LATEST)
        if epochs:
            resume = f"resumes from the last checkpoint, saved after epoch {epochs[-1]}"
        else:
            resume = "starts it again, because no checkpoint was saved yet"
        click.echo(f"Interrupted: training in {workdir} stopped. Running the same command again {resume}.", err=True)
        sys.exit(130)
