"""cnn4's training step in zoo against the same network written plainly in PyTorch.

    python benchmarks/cnn4_vs_torch.py [--batch-size 32 --batch-size 64] [--rounds 4] [--steps 3]

Both sides train the same network on the same kind of batch, in float32:

    conv 3×3 32 → conv 3×3 64 → BatchNorm → max-pool 2 → dropout 0.25
    → conv 3×3 128 → conv 3×3 256 'valid' → BatchNorm → max-pool 2 → dropout 0.25
    → dense 1024 → dropout 0.5 → dense 7           (32,116,103 parameters)

with softmax cross-entropy plus 0.01 × the summed squares of the conv3 and conv4 kernels, and
Adam at 1e-4. The input is a batch of uint8 images (B, 48, 48) that each step scales to
[0, 1], as training does. zoo's side is the project's own train step (`zoo.bench`, config
configs/cnn4.py, augmentation off); PyTorch's is the textbook loop (zero_grad, forward,
backward, optimizer.step) in its default NCHW layout.
"""

from __future__ import annotations

import os
import time

import click
import flax
import jax
import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

import harness
from cnn4_profile import conv_layer_call, same_then_crop
from zoo.bench import TrainStepTimer, fer_workload
from zoo.models import count_params, layers

TARGET = 1.3  # the project's goal for zoo's throughput over PyTorch's


class TorchCnn4(nn.Module):
    """cnn4 in PyTorch: input (B, 1, 48, 48), logits (B, 7); BatchNorm as Keras sets it up (eps 1e-3, momentum 0.99)."""

    def __init__(self, num_classes: int = 7, conv_dropout: float = 0.25, dense_dropout: float = 0.5):
        super().__init__()
        # PyTorch's momentum weighs the new batch; Keras' 0.99 weighs the running average.
        def batch_norm(features):
            return nn.BatchNorm2d(features, eps=1e-3, momentum=0.01)

        self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.norm1 = batch_norm(64)
        self.conv3 = nn.Conv2d(64, 128, 3, padding=1)
        self.conv4 = nn.Conv2d(128, 256, 3)  # 'valid': 24 → 22
        self.norm2 = batch_norm(256)
        self.dense = nn.Linear(11 * 11 * 256, 1024)
        self.logits = nn.Linear(1024, num_classes)
        self.conv_dropout = nn.Dropout(conv_dropout)
        self.dense_dropout = nn.Dropout(dense_dropout)

    def forward(self, x):
        x = F.relu(self.conv2(F.relu(self.conv1(x))))
        x = self.conv_dropout(F.max_pool2d(self.norm1(x), 2))
        x = F.relu(self.conv4(F.relu(self.conv3(x))))
        x = self.conv_dropout(F.max_pool2d(self.norm2(x), 2))
        x = self.dense_dropout(F.relu(self.dense(torch.flatten(x, 1))))
        return self.logits(x)

    def l2_penalty(self, l2: float = 0.01):
        return l2 * (self.conv3.weight.square().sum() + self.conv4.weight.square().sum())


class TorchTrainer:
    """Timer for PyTorch train steps of `TorchCnn4` on one fixed random batch."""

    def __init__(self, batch_size: int, seed: int = 0):
        torch.manual_seed(seed)
        rng = np.random.default_rng(seed)
        self.model = TorchCnn4().train()
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=1e-4)
        self.images = torch.from_numpy(rng.integers(0, 256, (batch_size, 48, 48), dtype=np.uint8))
        self.labels = torch.from_numpy(rng.integers(0, 7, batch_size)).long()

    def parameters(self) -> int:
        return sum(p.numel() for p in self.model.parameters() if p.requires_grad)

    def step(self) -> None:
        self.optimizer.zero_grad(set_to_none=True)
        images = self.images.float().div(255.0).unsqueeze(1)  # (B, 1, 48, 48) in [0, 1]
        loss = F.cross_entropy(self.model(images), self.labels) + self.model.l2_penalty()
        loss.backward()
        self.optimizer.step()

    def time_steps(self, count: int) -> list[float]:
        times = []
        for _ in range(count):
            start = time.perf_counter()
            self.step()  # PyTorch on the CPU returns only when the work is done
            times.append(time.perf_counter() - start)
        return times


@click.command()
@click.option("--batch-size", "batch_sizes", multiple=True, type=int, default=(32, 64), show_default=True)
@click.option("--rounds", default=4, show_default=True, help="Alternating rounds per batch size.")
@click.option("--steps", default=3, show_default=True, help="Train steps per side per round.")
@click.option("--torch-threads", default=os.cpu_count(), show_default=True,
              help="Threads for PyTorch (torch.set_num_threads).")
@click.option("--warmup", default=2, show_default=True, help="Untimed steps per side before the rounds.")
@click.option("--lax-conv", is_flag=True,
              help="Run zoo's convolutions through lax.conv_general_dilated instead of im2col, as before that change.")
def main(batch_sizes, rounds, steps, torch_threads, warmup, lax_conv):
    """Compare cnn4 train-step throughput: zoo (JAX) against PyTorch."""
    torch.set_num_threads(torch_threads)
    if lax_conv:
        # For this process only: every zoo Conv built and traced from here on uses lax convolutions.
        layers.Conv.__call__ = conv_layer_call(same_then_crop)
    machine_before = harness.machine()
    rows, verdicts = [], []
    for batch_size in batch_sizes:
        workload = fer_workload("cnn4", batch_size)
        zoo_parameters = count_params(workload.model)
        zoo = TrainStepTimer(workload)
        torch_side = TorchTrainer(batch_size)
        if torch_side.parameters() != zoo_parameters:
            raise RuntimeError(f"parameter counts differ: zoo {zoo_parameters:,}, torch {torch_side.parameters():,}; "
                               "make TorchCnn4 match zoo.models.cnn.cnn4")
        harness.log(f"batch {batch_size}: {zoo_parameters:,} parameters on both sides")
        medians = harness.alternate(
            {"zoo": zoo.time_steps, "torch": torch_side.time_steps}, rounds=rounds, steps=steps, warmup=warmup,
        )
        zoo.check_finite()
        ratio = harness.speed_ratio(medians["zoo"], medians["torch"])
        zoo_ms, torch_ms = harness.milliseconds(medians["zoo"]), harness.milliseconds(medians["torch"])
        rows.append([
            str(batch_size), zoo_ms, torch_ms,
            f"{1e3 * batch_size / float(zoo_ms):.1f}", f"{1e3 * batch_size / float(torch_ms):.1f}",
            f"{ratio:.2f}×",
        ])
        verdict = "met" if ratio >= TARGET else "missed"
        verdicts.append(f"batch {batch_size}: {ratio:.2f}× against a target of ≥ {TARGET}×: {verdict} "
                        f"by {abs(ratio - TARGET):.2f}")

    variant = " (convolutions through lax.conv_general_dilated)" if lax_conv else ""
    print(f"## cnn4 training step: zoo (JAX){variant} vs PyTorch\n")
    print(harness.markdown_table(
        ["batch", "zoo ms/step", "torch ms/step", "zoo images/s", "torch images/s", "zoo/torch throughput"], rows,
    ))
    print()
    for verdict in verdicts:
        print(f"- {verdict}")
    machine_after = harness.machine()
    print(f"- times: median over {rounds} alternating rounds of each round's median of {steps} steps; "
          f"ratio: median over rounds of torch time / zoo time")
    print(harness.machine_line(machine_before, machine_after))
    print(f"- threads: torch.set_num_threads({torch_threads}) on {os.cpu_count()} cores; "
          "XLA's CPU client uses every core by default")
    print("\n".join(harness.software_lines(jax, flax, torch, np)))


if __name__ == "__main__":
    main()
