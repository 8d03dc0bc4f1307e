"""The LSTM tagger's training step: zoo's hand-written LSTM against torch.nn.LSTM and Flax's own cells.

    python benchmarks/lstm_tagger_vs_torch.py [--seq-len 7 --seq-len 32] [--batch-size 64] [--vocab-size 500]

Every side trains the same tagger (zoo's `lstm` model) on one random batch of ids, float32:

    ids (B, T) → embedding 128 → LSTM 64 units, every step → dense 1024 relu → dropout 0.2
    → dense V → masked cross-entropy (mean over non-padding tokens), Adam 1e-3 (configs/nmt_lstm.py)

The four sides differ only in the recurrent layer:

* zoo: `zoo.nmt.cells.LSTMCell` run by `run_cell` (the input projection of all steps as one
  matmul before the `lax.scan`), inside the project's train step;
* flax LSTMCell and flax OptimizedLSTMCell: Flax's built-in cells scanned by `nnx.RNN` (which
  is `nnx.scan` underneath), in the same tagger and the same project train step;
* torch: `torch.nn.LSTM` (batch_first) in a plain PyTorch loop. It has two bias vectors
  where the others have one, 256 parameters more.
"""

from __future__ import annotations

import os
import time

import click
import flax
import jax
import numpy as np
import torch
from flax import nnx
from torch import nn
from torch.nn import functional as F

import harness
from zoo.bench import TrainStepTimer, nmt_workload
from zoo.nmt.tokenizers import PAD

TARGET = 1.0  # zoo's hand-written LSTM should be at least as fast as either reference

EMBED_DIM, HIDDEN, DENSE, DROPOUT = 128, 64, 1024, 0.2


class FlaxCellTagger(nnx.Module):
    """zoo's LSTM tagger with the recurrent layer replaced by a Flax cell scanned by `nnx.RNN`.

    Called like every zoo translation model, `model(batch, key, train) -> logits (B, T, V)`, so
    the project's train step and translation loss run it unchanged.
    """

    def __init__(self, cell_type: type, vocab_size: int, *, rngs: nnx.Rngs):
        self.embed = nnx.Embed(vocab_size, EMBED_DIM, rngs=rngs)
        self.rnn = nnx.RNN(cell_type(EMBED_DIM, HIDDEN, rngs=rngs))
        self.hidden = nnx.Linear(HIDDEN, DENSE, rngs=rngs)
        self.dropout = nnx.Dropout(DROPOUT)
        self.out = nnx.Linear(DENSE, vocab_size, rngs=rngs)

    def __call__(self, batch, key=None, train=False):
        states_BTH = self.rnn(self.embed(batch["src"]))
        features = jax.nn.relu(self.hidden(states_BTH))
        return self.out(self.dropout(features, deterministic=not train, rngs=key))


class TorchLstmTagger(nn.Module):
    """The tagger in PyTorch: ids (B, T) → logits (B, T, V)."""

    def __init__(self, vocab_size: int):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, EMBED_DIM)
        self.lstm = nn.LSTM(EMBED_DIM, HIDDEN, batch_first=True)
        self.hidden = nn.Linear(HIDDEN, DENSE)
        self.dropout = nn.Dropout(DROPOUT)
        self.out = nn.Linear(DENSE, vocab_size)

    def forward(self, src_BT):
        states_BTH, _ = self.lstm(self.embed(src_BT))
        return self.out(self.dropout(F.relu(self.hidden(states_BTH))))


class TorchTrainer:
    """Timer for PyTorch train steps of the tagger on zoo's batch."""

    def __init__(self, batch: dict[str, jax.Array], vocab_size: int, seed: int = 0):
        torch.manual_seed(seed)
        self.model = TorchLstmTagger(vocab_size).train()
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=1e-3)
        self.src = torch.from_numpy(np.array(batch["src"])).long()
        self.targets = torch.from_numpy(np.array(batch["tgt_out"])).long()

    def step(self) -> None:
        self.optimizer.zero_grad(set_to_none=True)
        logits_BTV = self.model(self.src)
        loss = F.cross_entropy(logits_BTV.flatten(0, 1), self.targets.flatten(), ignore_index=PAD)
        loss.backward()
        self.optimizer.step()

    def time_steps(self, count: int) -> list[float]:
        times = []
        for _ in range(count):
            start = time.perf_counter()
            self.step()
            times.append(time.perf_counter() - start)
        return times


def build_sides(batch_size: int, seq_len: int, vocab_size: int) -> dict:
    """Return the four sides' `time_steps` functions, all on the same random batch."""
    zoo_workload = nmt_workload("lstm", batch_size, seq_len=seq_len, vocab_size=vocab_size)
    sides = {"zoo": TrainStepTimer(zoo_workload)}
    for label, cell_type in (("flax LSTMCell", nnx.LSTMCell), ("flax OptimizedLSTMCell", nnx.OptimizedLSTMCell)):
        model = FlaxCellTagger(cell_type, vocab_size, rngs=nnx.Rngs(0))
        workload = nmt_workload("lstm", batch_size, seq_len=seq_len, vocab_size=vocab_size, model=model)
        sides[label] = TrainStepTimer(workload)
    sides["torch nn.LSTM"] = TorchTrainer(zoo_workload.batch, vocab_size)
    return sides


@click.command()
@click.option("--seq-len", "seq_lens", multiple=True, type=int, default=(7, 32), show_default=True)
@click.option("--batch-size", default=64, show_default=True)
@click.option("--vocab-size", default=500, show_default=True,
              help="Target (and source) vocabulary size; the vendored Tatoeba pairs have about 500 Kannada words.")
@click.option("--rounds", default=10, show_default=True, help="Alternating rounds per sequence length.")
@click.option("--steps", default=3, show_default=True, help="Train steps per side per round.")
@click.option("--torch-threads", default=os.cpu_count(), show_default=True,
              help="Threads for PyTorch (torch.set_num_threads).")
@click.option("--warmup", default=3, show_default=True, help="Untimed steps per side before the rounds.")
def main(seq_lens, batch_size, vocab_size, rounds, steps, torch_threads, warmup):
    """Compare LSTM tagger train-step throughput: zoo's cell, Flax's cells and torch.nn.LSTM."""
    torch.set_num_threads(torch_threads)
    machine_before = harness.machine()
    rows, verdicts = [], []
    for seq_len in seq_lens:
        sides = build_sides(batch_size, seq_len, vocab_size)
        medians = harness.alternate(
            {label: side.time_steps for label, side in sides.items()}, rounds=rounds, steps=steps, warmup=warmup,
        )
        for label, side in sides.items():
            if isinstance(side, TrainStepTimer):
                side.check_finite()
        tokens = batch_size * seq_len
        for label in sides:
            ms = harness.milliseconds(medians[label])
            ratio = "1.00×" if label == "zoo" else f"{harness.speed_ratio(medians['zoo'], medians[label]):.2f}×"
            rows.append([str(seq_len), label, ms, f"{1e3 * tokens / float(ms):,.0f}", ratio])
        for label in ("torch nn.LSTM", "flax LSTMCell", "flax OptimizedLSTMCell"):
            ratio = harness.speed_ratio(medians["zoo"], medians[label])
            verdict = "met" if ratio >= TARGET else "missed"
            verdicts.append(f"T={seq_len}, zoo vs {label}: {ratio:.2f}× against a target of ≥ {TARGET}×: "
                            f"{verdict} by {abs(ratio - TARGET):.2f}")

    print(f"## LSTM tagger training step (batch {batch_size}, vocabulary {vocab_size})\n")
    print(harness.markdown_table(
        ["T", "recurrent layer", "ms/step", "target tokens/s", "zoo throughput / this side's"], rows,
    ))
    print()
    for verdict in verdicts:
        print(f"- {verdict}")
    machine_after = harness.machine()
    print(f"- times: median over {rounds} alternating rounds of each round's median of {steps} steps; "
          f"ratio: median over rounds of (this side's time / zoo's time)")
    print(harness.machine_line(machine_before, machine_after))
    print(f"- threads: torch.set_num_threads({torch_threads}) on {os.cpu_count()} cores; "
          "XLA's CPU client uses every core by default")
    print("\n".join(harness.software_lines(jax, flax, torch, np)))


if __name__ == "__main__":
    main()
