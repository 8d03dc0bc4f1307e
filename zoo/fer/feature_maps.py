"""Per-layer feature maps and a Grad-CAM saliency map of a FER model for one face.

Both work on `Sequential` models (every FER model of the zoo): `Sequential.features` returns
each layer's output, and Grad-CAM differentiates the class logit with respect to the output of
the last convolutional layer by running the remaining layers from there.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import jax
import jax.numpy as jnp
import matplotlib

matplotlib.use("Agg")  # headless servers have no display
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from flax import nnx  # noqa: E402

from zoo.errors import ZooError  # noqa: E402
from zoo.fer.task import to_model_input  # noqa: E402
from zoo.models.layers import Conv, Dropout, MaxPool, SeparableConv, Sequential  # noqa: E402

CHANNELS_SHOWN = 16
FIGURE_SUFFIXES = (".png", ".jpg", ".jpeg", ".pdf", ".svg")  # formats savefig picks by extension


def _check_sequential(model: nnx.Module) -> Sequential:
    if not isinstance(model, Sequential):
        raise ZooError(f"Feature maps need a Sequential model, but this model is a {type(model).__name__}.")
    return model


def contains_convolution(layer: nnx.Module) -> bool:
    """Return whether `layer` is, or contains, a convolution (a residual module does)."""
    return any(isinstance(node, (Conv, SeparableConv)) for _, node in nnx.iter_graph(layer))


def is_plotted_layer(layer: nnx.Module) -> bool:
    """Return whether the feature-map figure shows `layer`: convolutions, pooling and dropout."""
    return contains_convolution(layer) or isinstance(layer, (MaxPool, Dropout))


def layer_feature_maps(model: nnx.Module, face_HW: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """Return (layer name, output (H, W, C)) for every plotted layer of `model` on one uint8 face (48, 48)."""
    model = _check_sequential(model)
    graphdef, state = nnx.split(model)

    @jax.jit
    def all_outputs(state, images_BHW):
        _, outputs = nnx.merge(graphdef, state).features(to_model_input(images_BHW), train=False)
        return [output for _, output in outputs]

    outputs = all_outputs(state, jnp.asarray(face_HW)[None])
    maps = []
    for name, layer, output in zip(model.names, model.layers, outputs):
        if output.ndim == 4 and is_plotted_layer(layer):
            maps.append((name, np.asarray(output[0], np.float32)))
    return maps


def plot_feature_maps(face_HW: np.ndarray, maps: list[tuple[str, np.ndarray]], path: Path, title: str = "") -> None:
    """Save a figure: a row with the input face, then one labelled row per layer with its first 16 channels."""
    if not maps:
        raise ZooError("The model has no convolution, pooling or dropout layer with a spatial output to plot.")
    columns = CHANNELS_SHOWN + 1
    rows = [("input", face_HW[:, :, None].astype(np.float32))] + maps
    figure, axes = plt.subplots(len(rows), columns, figsize=(columns * 0.9, len(rows) * 0.95 + 0.6), squeeze=False)
    for row, (name, output_HWC) in enumerate(rows):
        height, width, channels = output_HWC.shape
        label_axis = axes[row, 0]
        label_axis.axis("off")
        label_axis.text(1.0, 0.5, f"{name}\n{height}×{width}×{channels}", ha="right", va="center", fontsize=8,
                        transform=label_axis.transAxes)
        for column in range(1, columns):
            axis = axes[row, column]
            axis.axis("off")
            channel = column - 1
            if row == 0 and channel == 0:
                axis.imshow(face_HW, cmap="gray", vmin=0, vmax=255)
            elif row > 0 and channel < channels:
                # Each channel gets its own colour scale, so weak and strong channels are both visible.
                axis.imshow(output_HWC[:, :, channel], cmap="viridis", interpolation="nearest")
                if row == 1:
                    axis.set_title(f"channel {channel}" if channel == 0 else str(channel), fontsize=7)
    if title:
        figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def last_convolution_index(model: Sequential) -> int:
    """Return the index in `model.layers` of the last layer that contains a convolution."""
    indices = [index for index, layer in enumerate(model.layers) if contains_convolution(layer)]
    if not indices:
        raise ZooError("Grad-CAM needs a convolutional layer, and this model has none.")
    return indices[-1]


def grad_cam_layer_index(model: Sequential, output_shapes: list[tuple[int, ...]]) -> int:
    """Return the index of the last convolutional block's output.

    That is the last convolution, moved on over the layers after it that keep its output shape
    (BatchNorm, activation, dropout). A BatchNorm subtracts a per-channel mean, so activations
    taken before it are offset from the values the classifier receives. On the astronaut photo,
    Grad-CAM of a one-epoch cnn4 at its last convolution was negative at every position for the
    predicted class, and positive over the mouth and nose at the BatchNorm after it.
    """
    index = last_convolution_index(model)
    while index + 1 < len(output_shapes) and output_shapes[index + 1] == output_shapes[index]:
        index += 1
    return index


def grad_cam(model: nnx.Module, face_HW: np.ndarray, class_index: int | None = None) -> tuple[np.ndarray, int, str]:
    """Return (Grad-CAM map (h, w) in [0, 1], class index, layer name) for one uint8 face (48, 48).

    The map is ReLU(sum_c w_c A_c) over the channels c of the last convolutional block's output A
    (see `grad_cam_layer_index`), with w_c the spatial mean of d(class logit)/dA_c. It has the
    resolution of A.
    `class_index` None explains the predicted class. An all-zero map means no location raises the logit.
    """
    model = _check_sequential(model)
    images_BHW = jnp.asarray(face_HW)[None]
    outputs = jax.eval_shape(lambda x: [y for _, y in model.features(to_model_input(x), train=False)[1]], images_BHW)
    index = grad_cam_layer_index(model, [output.shape for output in outputs])
    graphdef, state = nnx.split(model)

    @jax.jit
    def compute(state, images_BHW, requested_class):
        network = nnx.merge(graphdef, state)
        logits, outputs = network.features(to_model_input(images_BHW), train=False)
        chosen_class = jnp.where(requested_class < 0, jnp.argmax(logits[0]), requested_class)
        activation_1HWC = outputs[index][1]

        def class_logit(activation):
            x = activation
            for layer in list(network.layers)[index + 1:]:
                x = layer(x, train=False)
            return x[0, chosen_class]

        gradient_1HWC = jax.grad(class_logit)(activation_1HWC)
        weights_C = jnp.mean(gradient_1HWC[0], axis=(0, 1))
        cam_HW = jax.nn.relu(jnp.sum(activation_1HWC[0] * weights_C, axis=-1))
        peak = jnp.max(cam_HW)
        return jnp.where(peak > 0, cam_HW / jnp.where(peak > 0, peak, 1.0), cam_HW), chosen_class

    requested = -1 if class_index is None else int(class_index)
    cam_HW, chosen_class = compute(state, images_BHW, jnp.asarray(requested, jnp.int32))
    return np.asarray(cam_HW, np.float32), int(chosen_class), model.names[index]


def plot_grad_cam(face_HW: np.ndarray, cam_hw: np.ndarray, path: Path, title: str) -> None:
    """Save three panels: the face, the Grad-CAM map upsampled to the face size, and their overlay."""
    size = face_HW.shape[0]
    cam_HW = cv2.resize(cam_hw, (face_HW.shape[1], size), interpolation=cv2.INTER_LINEAR)
    figure, axes = plt.subplots(1, 3, figsize=(9, 3.4))
    axes[0].imshow(face_HW, cmap="gray", vmin=0, vmax=255)
    axes[0].set_title("face (model input)", fontsize=9)
    shown = axes[1].imshow(cam_HW, cmap="jet", vmin=0, vmax=1)
    resolution = f"{cam_hw.shape[0]}×{cam_hw.shape[1]}" + (", upsampled" if cam_hw.shape != face_HW.shape else "")
    axes[1].set_title(f"Grad-CAM ({resolution})", fontsize=9)
    figure.colorbar(shown, ax=axes[1], fraction=0.046, pad=0.04)
    axes[2].imshow(face_HW, cmap="gray", vmin=0, vmax=255)
    axes[2].imshow(cam_HW, cmap="jet", vmin=0, vmax=1, alpha=0.45)
    axes[2].set_title("overlay", fontsize=9)
    for axis in axes:
        axis.set_xticks([])
        axis.set_yticks([])
    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
