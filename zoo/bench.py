"""Time one zoo model's train step and forward pass on synthetic inputs.

    python -m zoo.bench --model cnn4 --batch-size 64 --steps 50 [--dtype bfloat16] [--json]
    python -m zoo.bench --model lstm --seq-len 7 --vocab-size 2000 --json

What is measured:

* compile time: the first call of the jitted train step (trace, compile and one run), blocked
  until its results are ready;
* steady state: `--warmup` more calls, then `--steps` timed calls. Each call is blocked until
  the new train state is ready, and the report gives the median, minimum and maximum;
* throughput: items per second at the median step time, where an item is an image (FER) or a
  target token (translation; every synthetic token is real, none is padding);
* inference latency: a jitted forward pass in inference mode at batch 1 and at `--batch-size`,
  median over `--inference-runs` calls.

The train step is the project's own (`make_train_step` with the task's loss and the optimizer
of `make_optimizer`), so the numbers are those of a real training run less the input
pipeline. Inputs are synthetic and already on the device before any timing starts, so
the timed region holds only the call and the wait for its result.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

import click
import flax
import jax
import jax.numpy as jnp
import numpy as np
import optax
from flax import nnx

import configs
from zoo.cli import configure_logging
from zoo.config import load_config
from zoo.fer.task import FerTask, to_model_input
from zoo.models import FER_MODELS, count_params
from zoo.nmt.models import MODELS as NMT_MODELS
from zoo.nmt.models import create_model as create_nmt_model
from zoo.nmt.task import NmtTask
from zoo.nmt.tokenizers import END
from zoo.training.loop import make_optimizer
from zoo.training.steps import make_train_step, split_model, zero_sums

log = logging.getLogger("zoo.bench")  # not __name__, which is "__main__" under python -m

# Each model is benchmarked with the config it is trained with (optimizer, learning rate, layer
# sizes, dropout rates, L2), so the step matches the real run.
FER_CONFIG_FILES = {
    "cnn_baseline": "baseline.py",
    "cnn_bn": "batchnorm.py",
    "cnn_dropout": "dropout.py",
    "cnn4": "cnn4.py",
    "mini_xception": "mini_xception.py",
}
NMT_CONFIG_FILES = {
    "simple_rnn": "nmt_simple_rnn.py",
    "gru": "nmt_gru.py",
    "gru_no_embed": "nmt_gru_no_embed.py",
    "lstm": "nmt_lstm.py",
    "seq2seq_attention": "nmt_base.py",
}
MODEL_CHOICES = (*FER_MODELS, *NMT_MODELS)
FER_IMAGE_SIZE = 48
FER_CLASSES = 7


@dataclasses.dataclass
class Workload:
    """Everything needed to time one model: the model, its task's loss, an optimizer and a batch.

    `batch` is already on the device. `apply(model, batch)` is the inference-mode forward pass,
    and `items_per_batch` counts what throughput is quoted in (`item_unit`).
    """

    name: str
    kind: str  # "fer" or "nmt"
    model: nnx.Module
    task: Any  # has `loss(model, batch, key, train)`, as the training loop needs
    tx: optax.GradientTransformation
    batch: dict[str, jax.Array]
    apply: Callable[[nnx.Module, dict[str, jax.Array]], jax.Array]
    items_per_batch: int
    item_unit: str
    settings: dict[str, Any]  # the options that shaped the workload, echoed in the report


def fer_workload(name: str, batch_size: int, *, dtype: str = "float32", augment: bool = False,
                 seed: int = 0) -> Workload:
    """Build a FER model from its config with a batch of random images (B, 48, 48) uint8 and labels (B,)."""
    config_path = Path(configs.__file__).parent / FER_CONFIG_FILES[name]
    overrides = [f"train.dtype={dtype}", f"train.batch_size={batch_size}", f"train.augment.enabled={augment}"]
    config = load_config(config_path, overrides)
    rng = np.random.default_rng(seed)
    images_BHW = rng.integers(0, 256, (batch_size, FER_IMAGE_SIZE, FER_IMAGE_SIZE), dtype=np.uint8)
    labels_B = rng.integers(0, FER_CLASSES, batch_size).astype(np.int32)
    task = FerTask(config, {"train": (images_BHW, labels_B)})
    model = task.create_model(nnx.Rngs(seed))
    return Workload(
        name=name, kind="fer", model=model, task=task, tx=make_optimizer(config.train),
        batch={"images": jnp.asarray(images_BHW), "labels": jnp.asarray(labels_B)},
        apply=lambda model, batch: model(to_model_input(batch["images"]), train=False),
        items_per_batch=batch_size, item_unit="images",
        settings={"batch_size": batch_size, "dtype": dtype, "augment": augment, "config": config_path.name},
    )


class _LossOnlyNmtTask(NmtTask):
    """Translation task reduced to its loss, with no corpus: the benchmark brings its own batch.

    `NmtTask.loss` reads only the model and the batch, so skipping the constructor (which
    fits tokenizers on sentence pairs) leaves the loss exactly as in training.
    """

    def __init__(self):
        """Skip the corpus set-up, which `loss` does not use."""


def nmt_workload(name: str, batch_size: int, *, seq_len: int = 16, vocab_size: int = 2000,
                 seed: int = 0, model: nnx.Module | None = None) -> Workload:
    """Build a translation model from its config and a batch of random ids; both languages share `vocab_size`.

    The batch contains `src`, `tgt_in` and `tgt_out`, each (B, seq_len) int32, with ids drawn
    above the special tokens so that no position is padding and every target token counts.
    `model`, when given, replaces the zoo model of `name`'s config and trains with that config's
    optimizer: any module called as `model(batch, key=..., train=...)` fits the translation loss.
    """
    if vocab_size <= END + 1:
        raise click.BadParameter(
            f"{vocab_size} is invalid: use more than {END + 1} so that ids other than the special tokens exist",
            param_hint="--vocab-size",
        )
    rng = np.random.default_rng(seed)
    batch = {
        part: jnp.asarray(rng.integers(END + 1, vocab_size, (batch_size, seq_len)).astype(np.int32))
        for part in ("src", "tgt_in", "tgt_out")
    }
    config_path = Path(configs.__file__).parent / NMT_CONFIG_FILES[name]
    config = load_config(config_path, [f"train.batch_size={batch_size}"])
    if model is None:
        options = {key: value for key, value in config.model.to_dict().items() if key != "name"}
        model = create_nmt_model(name, vocab_size, vocab_size, rngs=nnx.Rngs(seed), **options)
    return Workload(
        name=name, kind="nmt", model=model, task=_LossOnlyNmtTask(),
        tx=make_optimizer(config.train), batch=batch,
        apply=lambda model, batch: model(batch),
        items_per_batch=batch_size * seq_len, item_unit="target tokens",
        settings={"batch_size": batch_size, "dtype": "float32", "seq_len": seq_len, "vocab_size": vocab_size,
                  "config": config_path.name},
    )


class TrainStepTimer:
    """Train state and timer for the project's jitted train step, called on one fixed batch.

    The state is updated by every call, as in training: the step counter advances, so each call
    draws fresh dropout masks, and the optimizer moves the weights. The step donates its input
    buffers, so after the first call the weights live only in `self.state`, not in the model.
    """

    def __init__(self, workload: Workload, seed: int = 0):
        self.graphdef, params, rest = split_model(workload.model)
        self.state = {"params": params, "rest": rest, "opt": workload.tx.init(params),
                      "step": jnp.zeros((), jnp.int32)}
        self.sums = zero_sums()
        self.batch = workload.batch
        self.base_key = jax.random.key(seed)
        self.step = make_train_step(self.graphdef, workload.tx, workload.task)

    def run(self) -> float:
        """Make one train step and wait for the new state; return its wall time in seconds."""
        start = time.perf_counter()
        self.state, self.sums = self.step(self.state, self.sums, self.batch, self.base_key)
        jax.block_until_ready(self.state)
        return time.perf_counter() - start

    def time_steps(self, count: int) -> list[float]:
        """Return the wall times of `count` consecutive steps."""
        return [self.run() for _ in range(count)]

    def check_finite(self) -> None:
        """Fail if any step so far had a NaN or infinite loss, which would make the timings meaningless."""
        first_bad = int(self.sums["first_nonfinite_step"])
        if first_bad != jnp.iinfo(jnp.int32).max:
            raise RuntimeError(f"the loss became non-finite at step {first_bad}")


def make_forward(graphdef, apply) -> Callable:
    """Return `forward(params, rest, batch) -> outputs`, jitted: the model in inference mode."""

    @jax.jit
    def forward(params, rest, batch):
        return apply(nnx.merge(graphdef, params, rest), batch)

    return forward


def time_forward(forward: Callable, params, rest, batch: dict[str, jax.Array], runs: int) -> float:
    """Return the median wall time in seconds of `forward` on `batch`, compiled before the timings."""
    jax.block_until_ready(forward(params, rest, batch))
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        jax.block_until_ready(forward(params, rest, batch))
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def environment() -> dict[str, Any]:
    """Return what the numbers depend on: JAX backend, devices, library versions and CPU count."""
    devices = jax.devices()
    return {
        "backend": jax.default_backend(),
        "device_kind": devices[0].device_kind,
        "device_count": len(devices),
        "jax_version": jax.__version__,
        "flax_version": flax.__version__,
        "optax_version": optax.__version__,
        "cpu_count": os.cpu_count(),
    }


def run_benchmark(workload: Workload, *, steps: int, warmup: int, inference_runs: int) -> dict[str, Any]:
    """Time `workload`'s train step and forward pass; return the report as a flat dict."""
    timer = TrainStepTimer(workload)
    log.info("Compiling the train step of %s.", workload.name)
    compile_s = timer.run()
    log.info("First call took %.2f s; %d warm-up and %d timed steps follow.", compile_s, warmup, steps)
    timer.time_steps(warmup)
    step_times = timer.time_steps(steps)
    timer.check_finite()
    step_s = statistics.median(step_times)

    log.info("Timing the forward pass.")
    # The train step donates its input state, so the forward pass reads the trained weights from the timer.
    params, rest = timer.state["params"], timer.state["rest"]
    batch_size = workload.settings["batch_size"]
    single = jax.tree.map(lambda x: x[:1], workload.batch)
    forward = make_forward(timer.graphdef, workload.apply)
    single_s = time_forward(forward, params, rest, single, inference_runs)
    batch_s = time_forward(forward, params, rest, workload.batch, inference_runs)
    return {
        "model": workload.name,
        "task": workload.kind,
        **workload.settings,
        "parameters": count_params(workload.model),
        "steps": steps,
        "warmup": warmup,
        "compile_s": compile_s,
        "step_ms_median": 1e3 * step_s,
        "step_ms_min": 1e3 * min(step_times),
        "step_ms_max": 1e3 * max(step_times),
        "item_unit": workload.item_unit,
        "items_per_step": workload.items_per_batch,
        "items_per_s": workload.items_per_batch / step_s,
        "latency_ms_batch1": 1e3 * single_s,
        "latency_ms_batch": 1e3 * batch_s,
        "latency_ms_per_item_batch": 1e3 * batch_s / batch_size,
        **environment(),
    }


def format_report(report: dict[str, Any]) -> str:
    """Render a report as aligned `key  value` lines for reading in a terminal."""
    width = max(len(key) for key in report)
    lines = []
    for key, value in report.items():
        if isinstance(value, float):
            text = f"{value:,.3f}"
        elif isinstance(value, int) and not isinstance(value, bool):
            text = f"{value:,}"
        else:
            text = str(value)
        lines.append(f"{key:<{width}}  {text}")
    return "\n".join(lines)


@click.command()
@click.option("--model", "name", required=True, type=click.Choice(MODEL_CHOICES), help="Model to benchmark.")
@click.option("--batch-size", default=64, show_default=True, type=click.IntRange(min=1))
@click.option("--steps", default=50, show_default=True, type=click.IntRange(min=1), help="Timed train steps.")
@click.option("--warmup", default=3, show_default=True, type=click.IntRange(min=0),
              help="Untimed train steps after the first (compiling) call.")
@click.option("--inference-runs", default=20, show_default=True, type=click.IntRange(min=1),
              help="Timed forward passes at each batch size.")
@click.option("--dtype", default="float32", show_default=True, type=click.Choice(["float32", "bfloat16"]),
              help="Compute dtype of the FER models (parameters stay float32).")
@click.option("--augment/--no-augment", default=False, show_default=True,
              help="Run the FER config's zoom and flip inside the step.")
@click.option("--seq-len", default=16, show_default=True, type=click.IntRange(min=1),
              help="Source and target length of the translation models.")
@click.option("--vocab-size", default=2000, show_default=True, type=click.IntRange(min=1),
              help="Source and target vocabulary size of the translation models.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object on stdout; logs go to stderr.")
def main(name, batch_size, steps, warmup, inference_runs, dtype, augment, seq_len, vocab_size, as_json):
    """Time a zoo model's train step (compile and steady state) and forward pass on synthetic data."""
    configure_logging()
    # Importing orbax (through the training loop) has already given the root logger a handler, which
    # makes configure_logging's basicConfig a no-op, so this module's level is set here.
    log.setLevel(logging.INFO)
    if name in FER_MODELS:
        workload = fer_workload(name, batch_size, dtype=dtype, augment=augment)
    else:
        if dtype != "float32":
            raise click.BadParameter(f"{dtype} is invalid for {name}: the translation models compute in float32 only",
                                     param_hint="--dtype")
        workload = nmt_workload(name, batch_size, seq_len=seq_len, vocab_size=vocab_size)
    report = run_benchmark(workload, steps=steps, warmup=warmup, inference_runs=inference_runs)
    click.echo(json.dumps(report) if as_json else format_report(report))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
