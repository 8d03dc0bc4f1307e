"""Profile of cnn4's train step in zoo, and what other ways of writing its convolutions cost.

    python benchmarks/cnn4_profile.py [--batch-size 32] [--rounds 3] [--steps 2]

Three tables, each from alternating rounds:

1. the parts of zoo's step: inference forward, train-mode forward, the gradient, the Adam
   update, and the whole step;
2. forward + backward (gradient of sum(y²) with respect to input and kernel) of each 3×3
   convolution of cnn4 on its real input shape, written three ways and in PyTorch:
   * "lax conv": `lax.conv_general_dilated`, which `nnx.Conv` calls;
   * "SAME + crop": a 'valid' 3×3 convolution computed as a 'same' one whose one-pixel border
     is cropped off (identical values);
   * "im2col": the nine shifted views of the input concatenated on the feature axis and
     multiplied by the kernel reshaped to (9·C_in, C_out), so that forward and backward are
     matrix products. This is zoo's form on the CPU (`zoo.models.layers.im2col_conv`);
3. the whole train step with `zoo.models.layers.Conv` as it is and temporarily switched to the
   two other forms.
"""

from __future__ import annotations

import os
import time

import click
import flax
import jax
import jax.numpy as jnp
import numpy as np
import optax
import torch
from flax import nnx

import harness
from zoo.bench import TrainStepTimer, fer_workload
from zoo.models import layers
from zoo.training.steps import split_model

# cnn4's convolutions after the first: (input side, C_in, C_out, padding).
CONVOLUTIONS = {
    "conv2": (48, 32, 64, "SAME"),
    "conv3": (24, 64, 128, "SAME"),
    "conv4": (24, 128, 256, "VALID"),
}
DIMENSIONS = ("NHWC", "HWIO", "NHWC")


def lax_conv(x_BHWC, kernel_KKIO, padding):
    """Return the convolution as `nnx.Conv` computes it."""
    return jax.lax.conv_general_dilated(x_BHWC, kernel_KKIO, (1, 1), padding, dimension_numbers=DIMENSIONS)


def same_then_crop(x_BHWC, kernel_KKIO, padding):
    """Return a 'valid' convolution as a 'same' one with the border cropped; 'same' passes through."""
    y = lax_conv(x_BHWC, kernel_KKIO, "SAME")
    if padding == "VALID":
        top, left = kernel_KKIO.shape[0] // 2, kernel_KKIO.shape[1] // 2
        y = y[:, top:y.shape[1] - top, left:y.shape[2] - left, :]
    return y


# The forms of a convolution that the tables compare; "im2col" is what zoo's Conv runs on the CPU.
FORMS = {"lax conv": lax_conv, "SAME + crop": same_then_crop, "im2col": layers.im2col_conv}
ZOO_FORM = "im2col"


def conv_layer_call(convolve):
    """Return a `Conv.__call__` that computes its convolution with `convolve` instead of `nnx.Conv`."""

    def call(self, x, *, train=False, key=None):
        conv = self.conv
        y = convolve(x, conv.kernel[...], conv.padding)
        if conv.bias is not None:
            y = y + conv.bias[...]
        return jax.nn.relu(y) if self.relu else y

    return call


def jax_timer(function, *args):
    def time_steps(count):
        times = []
        for _ in range(count):
            start = time.perf_counter()
            jax.block_until_ready(function(*args))
            times.append(time.perf_counter() - start)
        return times

    return time_steps


def torch_timer(step):
    def time_steps(count):
        times = []
        for _ in range(count):
            start = time.perf_counter()
            step()
            times.append(time.perf_counter() - start)
        return times

    return time_steps


def step_parts(batch_size: int) -> dict:
    """Return timers for the parts of zoo's cnn4 train step."""
    workload = fer_workload("cnn4", batch_size)
    graphdef, params, rest = split_model(workload.model)
    key = jax.random.key(0)

    def loss(params, train):
        model = nnx.merge(graphdef, params, rest, copy=True)
        return workload.task.loss(model, workload.batch, key, train)[0]

    gradient = jax.jit(jax.grad(lambda params: loss(params, True)))
    grads = gradient(params)
    opt_state = workload.tx.init(params)

    @jax.jit
    def adam_update(params, grads, opt_state):
        updates, _ = workload.tx.update(grads, opt_state, params)
        return optax.apply_updates(params, updates)

    return {
        "forward, inference": jax_timer(jax.jit(lambda params: loss(params, False)), params),
        "forward, training": jax_timer(jax.jit(lambda params: loss(params, True)), params),
        "gradient": jax_timer(gradient, params),
        "Adam update": jax_timer(adam_update, params, grads, opt_state),
        "whole step": TrainStepTimer(fer_workload("cnn4", batch_size)).time_steps,
    }


def convolution_sides(batch_size: int, side: int, c_in: int, c_out: int, padding: str) -> dict:
    """Return forward+backward timers of one convolution shape: zoo's form, each rewrite, and PyTorch."""
    x = jax.random.normal(jax.random.key(0), (batch_size, side, side, c_in))
    kernel = 0.05 * jax.random.normal(jax.random.key(1), (3, 3, c_in, c_out))
    forms = dict(FORMS)
    if padding == "SAME":
        del forms["SAME + crop"]  # the very computation of "lax conv"
    sides = {}
    for label, convolve in forms.items():
        gradient = jax.jit(jax.grad(lambda x, k, convolve=convolve: jnp.sum(convolve(x, k, padding) ** 2),
                                    argnums=(0, 1)))
        sides[label] = jax_timer(gradient, x, kernel)
    layer = torch.nn.Conv2d(c_in, c_out, 3, padding=1 if padding == "SAME" else 0)
    x_torch = torch.randn(batch_size, c_in, side, side, requires_grad=True)

    def torch_step():
        layer.zero_grad(set_to_none=True)
        x_torch.grad = None
        layer(x_torch).square().sum().backward()

    sides["torch"] = torch_timer(torch_step)
    return sides


def whole_step_sides(batch_size: int) -> dict:
    """Return timers of the whole train step with `Conv` as it is and switched to each other form."""
    original = layers.Conv.__call__
    sides = {"zoo as it is": TrainStepTimer(fer_workload("cnn4", batch_size))}
    try:
        for label, convolve in FORMS.items():
            if label == ZOO_FORM:
                continue
            layers.Conv.__call__ = conv_layer_call(convolve)
            timer = TrainStepTimer(fer_workload("cnn4", batch_size))
            timer.run()  # trace while the rewrite is in place
            sides[f"Conv via {label}"] = timer
    finally:
        layers.Conv.__call__ = original
    return {label: timer.time_steps for label, timer in sides.items()}


def check_rewrites_match() -> None:
    """Fail unless every form gives the values of `lax.conv_general_dilated` on a small random input."""
    x = jax.random.normal(jax.random.key(2), (2, 9, 9, 4))
    kernel = jax.random.normal(jax.random.key(3), (3, 3, 4, 5))
    for padding in ("SAME", "VALID"):
        expected = lax_conv(x, kernel, padding)
        for label, convolve in FORMS.items():
            np.testing.assert_allclose(convolve(x, kernel, padding), expected, rtol=1e-4, atol=1e-4,
                                       err_msg=f"{label}, {padding}")


def ms_table(medians: dict, header: list[str], baseline: str) -> str:
    rows = [[label, harness.milliseconds(times), f"{harness.speed_ratio(times, medians[baseline]):.2f}×"]
            for label, times in medians.items()]
    return harness.markdown_table(header, rows)


@click.command()
@click.option("--batch-size", default=32, show_default=True)
@click.option("--rounds", default=3, show_default=True, help="Alternating rounds per table.")
@click.option("--steps", default=2, show_default=True, help="Calls per side per round.")
@click.option("--warmup", default=1, show_default=True, help="Untimed calls per side before the rounds.")
def main(batch_size, rounds, steps, warmup):
    """Time the parts of zoo's cnn4 train step and the convolution rewrites."""
    torch.set_num_threads(os.cpu_count())
    check_rewrites_match()
    machine_before = harness.machine()
    runs = {"rounds": rounds, "steps": steps, "warmup": warmup}

    print(f"## cnn4 train step in zoo, by part (batch {batch_size})\n")
    medians = harness.alternate(step_parts(batch_size), **runs)
    print(ms_table(medians, ["part", "ms", "whole step time / part time"], "whole step"))

    print(f"\n## cnn4 convolutions, forward + backward (batch {batch_size})\n")
    rows = []
    for name, shape in CONVOLUTIONS.items():
        harness.log(name)
        medians = harness.alternate(convolution_sides(batch_size, *shape), **runs)
        side, c_in, c_out, padding = shape
        for label, times in medians.items():
            speed = harness.speed_ratio(times, medians[ZOO_FORM])
            rows.append([f"{name} {side}×{side}×{c_in}→{c_out} {padding.lower()}", label,
                         harness.milliseconds(times), f"{speed:.2f}×"])
    print(harness.markdown_table(["convolution", "written as", "ms", "speed vs zoo's form"], rows))

    print(f"\n## cnn4 whole train step with Conv rewritten (batch {batch_size})\n")
    medians = harness.alternate(whole_step_sides(batch_size), **runs)
    print(ms_table(medians, ["Conv", "ms/step", "speed vs zoo as it is"], "zoo as it is"))

    machine_after = harness.machine()
    print()
    print(f"- times: median over {rounds} alternating rounds of each round's median of {steps} calls; "
          "ratios: median over rounds")
    print(harness.machine_line(machine_before, machine_after))
    print(f"- threads: torch.set_num_threads({os.cpu_count()}); XLA's CPU client uses every core by default")
    print("\n".join(harness.software_lines(jax, flax, torch, np)))


if __name__ == "__main__":
    main()
