"""Shared command-line plumbing: logging set-up, checks of output paths and clean exits on user errors."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from pathlib import Path

import click

from zoo.errors import DataError, ZooError


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


def check_output_file(path: Path, suffixes: tuple[str, ...] | None, option: str = "--out") -> None:
    """Check that a file can be written at `path` before any slow work, or raise DataError naming the fix.

    `suffixes` lists the accepted file extensions in lower case with their dot (None accepts
    any). The file's folder may be missing if it can be created (see `check_output_folder`).
    """
    if path.is_dir():
        example = path / f"output{suffixes[0] if suffixes else ''}"
        raise DataError(f"{option} {path} is a folder; pass a file path, e.g. {example}.")
    if suffixes is not None and path.suffix.lower() not in suffixes:
        found = f"the extension {path.suffix!r}" if path.suffix else "no extension"
        accepted = suffixes[0] if len(suffixes) == 1 else f"one of {', '.join(suffixes)}"
        raise DataError(
            f"{option} {path} has {found}, and the extension sets the file type; end the name with {accepted}."
        )
    check_output_folder(path.parent, option, file=path)


def check_output_folder(folder: Path, option: str = "--out", file: Path | None = None) -> None:
    """Check that `folder` is a writable folder or can be created as one, or raise DataError.

    Nothing is left on disk: a missing folder is tested by creating and removing its first
    missing level. `file` names the output file when `folder` is only its parent, for the message.
    """
    if file is None:
        failed = f"{option} {folder} cannot be used as the output folder"
        next_step = f"Pass as {option} a folder you can write to; a missing folder is created."
    else:
        failed = f"{option} {file} cannot be written"
        next_step = f"Pass an {option} path in a folder you can write to; missing folders are created."

    existing = next(path for path in (folder, *folder.parents) if path.exists())
    if not existing.is_dir():
        if file is None and existing == folder:
            raise DataError(f"{option} {folder} is a file, not a folder. {next_step}")
        raise DataError(f"{failed}: {existing} is a file, not a folder. {next_step}")
    if existing == folder:
        if not os.access(folder, os.W_OK | os.X_OK):
            raise DataError(f"{failed}: the folder {folder} is not writable. {next_step}")
        return
    first_missing = next(path for path in (folder, *folder.parents) if path.parent == existing)
    try:
        first_missing.mkdir()
        first_missing.rmdir()
    except OSError as error:
        raise DataError(
            f"{failed}: cannot create the folder {first_missing} ({error.strerror or error}). {next_step}"
        ) from None


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
        # The leading newline ends a progress bar that the interrupt left mid-line.
        click.echo(f"\nInterrupted: training in {workdir} stopped. Running the same command again {resume}.", err=True)
        sys.exit(130)
