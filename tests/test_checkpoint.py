"""Checkpoint errors: a damaged checkpoint and a model mismatch get different short messages."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap

import jax.numpy as jnp
import pytest

from tests.conftest import REPO_ROOT
from zoo.errors import CheckpointError
from zoo.training.checkpoint import LATEST, Checkpoints, saved_epochs

# Many arrays, so that a failed restore leaves reads in flight.
STATE = {f"layer{index}": jnp.full((4, 8), float(index)) for index in range(40)}


@pytest.fixture
def saved(tmp_path):
    """A checkpoints folder with one `latest` checkpoint of STATE at epoch 3; returns that checkpoint's folder."""
    with Checkpoints(tmp_path / "checkpoints") as checkpoints:
        checkpoints.save(LATEST, 3, STATE, {"epoch": 3})
    return tmp_path / "checkpoints" / LATEST / "3"


def restore(folder, like_state=STATE):
    with Checkpoints(folder.parent.parent) as checkpoints:
        return checkpoints.restore(LATEST, like_state)


def test_round_trip(saved):
    state, meta = restore(saved)
    assert float(state["layer7"][0, 0]) == 7.0
    assert meta == {"epoch": 3}


def test_missing_data_files_are_reported_as_damage(saved):
    shutil.rmtree(saved / "state" / "d")
    with pytest.raises(CheckpointError) as raised:
        restore(saved)
    message = str(raised.value)
    assert message.startswith(f"Checkpoint {saved} is damaged or incomplete (NOT_FOUND reading {saved}/state/d/")
    assert message.endswith(
        f"Delete the folder {saved}: the next run then resumes from the checkpoint before it, or starts over "
        "when there is none."
    )
    assert "does not match" not in message
    assert len(message) < 500


def test_missing_state_item_is_reported_as_damage(saved):
    shutil.rmtree(saved / "state")
    with pytest.raises(CheckpointError, match=r"is damaged or incomplete \(Item \"state\" was not found"):
        restore(saved)


def test_missing_meta_is_reported_as_damage(saved):
    (saved / "meta" / "metadata").unlink()
    with Checkpoints(saved.parent.parent) as checkpoints:
        with pytest.raises(CheckpointError, match=rf"Checkpoint {saved} is damaged or incomplete \(File .* not found"):
            checkpoints.read_meta(LATEST)


def test_other_shapes_are_reported_as_mismatch(saved):
    wider = {**STATE, "layer0": jnp.zeros((4, 9))}
    with pytest.raises(CheckpointError) as raised:
        restore(saved, wider)
    message = str(raised.value)
    assert message.startswith(f"Checkpoint {saved} does not match the model being built: Requested shape")
    assert message.endswith("train the model again into a new --workdir.")
    assert len(message) < 600


def test_other_structure_is_reported_as_mismatch(saved):
    renamed = {("renamed" if key == "layer0" else key): value for key, value in STATE.items()}
    with pytest.raises(CheckpointError, match=r"does not match the model being built: User-provided restore item"):
        restore(saved, renamed)


def test_failed_restore_prints_no_event_loop_tracebacks(saved):
    shutil.rmtree(saved / "state" / "d")
    script = textwrap.dedent(f"""
        import jax.numpy as jnp
        from zoo.errors import CheckpointError
        from zoo.training.checkpoint import LATEST, Checkpoints
        state = {{f"layer{{index}}": jnp.zeros((4, 8)) for index in range(40)}}
        with Checkpoints({str(saved.parent.parent)!r}) as checkpoints:
            try:
                checkpoints.restore(LATEST, state)
            except CheckpointError:
                print("damaged")
    """)
    environment = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    command = [sys.executable, "-c", script]
    result = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=300)
    assert result.stdout.strip() == "damaged", result.stderr[-2000:]
    assert "Event loop is closed" not in result.stderr
    assert "Traceback" not in result.stderr


def test_saved_epochs_reads_complete_folders_only(tmp_path):
    series = tmp_path / "latest"
    for name in ("2", "10", "11.orbax-checkpoint-tmp-123"):
        (series / name).mkdir(parents=True)
    assert saved_epochs(series) == [2, 10]
    assert saved_epochs(tmp_path / "absent") == []
