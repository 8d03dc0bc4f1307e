"""Shared command-line plumbing: logging set-up and clean exits on user errors."""

from __future__ import annotations

import contextlib
import logging
import sys

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
