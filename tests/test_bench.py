"""The benchmark command: one JSON object on stdout with every reported key, and a clear error for an unknown model."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from zoo.bench import MODEL_CHOICES, main
from zoo.models import FER_MODELS

COMMON_KEYS = {
    "model", "task", "batch_size", "dtype", "parameters", "steps", "warmup", "compile_s",
    "step_ms_median", "step_ms_min", "step_ms_max", "item_unit", "items_per_step", "items_per_s",
    "latency_ms_batch1", "latency_ms_batch", "latency_ms_per_item_batch",
    "backend", "device_kind", "device_count", "jax_version", "flax_version",
}
# Batch 1 lets the forward pass compile once for both of its timings.
TINY_RUN = ["--batch-size", "1", "--steps", "2", "--warmup", "1", "--inference-runs", "1", "--json"]


def run_bench(*args: str) -> dict:
    """Run `python -m zoo.bench` in a fresh process and parse its stdout, which must be one JSON object."""
    env = {**os.environ, "JAX_PLATFORMS": "cpu"}
    done = subprocess.run(
        [sys.executable, "-m", "zoo.bench", *args], capture_output=True, text=True, env=env, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_fer_json_has_every_key():
    report = run_bench("--model", "cnn_baseline", *TINY_RUN)
    assert COMMON_KEYS <= report.keys()
    assert report["model"] == "cnn_baseline"
    assert report["task"] == "fer"
    assert report["item_unit"] == "images"
    assert report["items_per_step"] == 1
    assert report["parameters"] > 0
    assert report["compile_s"] > 0
    assert report["items_per_s"] > 0
    assert report["step_ms_min"] <= report["step_ms_median"] <= report["step_ms_max"]


def test_translation_json_counts_tokens():
    report = run_bench("--model", "simple_rnn", "--seq-len", "5", "--vocab-size", "40", *TINY_RUN)
    assert COMMON_KEYS <= report.keys()
    assert report["task"] == "nmt"
    assert report["seq_len"] == 5
    assert report["vocab_size"] == 40
    assert report["item_unit"] == "target tokens"
    assert report["items_per_step"] == 5


def test_unknown_model_lists_choices():
    result = CliRunner().invoke(main, ["--model", "resnet50"])
    assert result.exit_code == 2
    assert "resnet50" in result.output
    for name in ("cnn4", "mini_xception", "lstm", "seq2seq_attention"):
        assert name in result.output


@pytest.mark.parametrize("model", MODEL_CHOICES)
def test_every_model_prints_json(model):
    sizes = [] if model in FER_MODELS else ["--seq-len", "5", "--vocab-size", "40"]
    report = run_bench("--model", model, *sizes, *TINY_RUN)
    assert report["model"] == model
    assert COMMON_KEYS <= report.keys()
    assert report["items_per_s"] > 0
