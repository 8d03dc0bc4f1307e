"""Layers with one call signature, `layer(x, train=..., key=...)`, so a network is a list of them.

The uniform signature lets `Sequential` run any stack, record every layer's output for
feature-map plots, and hand each dropout layer its own key. Initialisers match Keras defaults
(Glorot-uniform kernels, zero biases, BatchNorm epsilon 1e-3) because the reference models
were trained in Keras.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from flax import nnx

KERAS_KERNEL_INIT = nnx.initializers.glorot_uniform()
KERAS_BATCHNORM_EPSILON = 1e-3
KERAS_BATCHNORM_MOMENTUM = 0.99


def im2col_conv(x_BHWC: jax.Array, kernel_KKIO: jax.Array, padding: str) -> jax.Array:
    """Return the stride-1 convolution of `x_BHWC` as one matrix product over the shifted input views.

    The kh·kw shifted views are concatenated on the feature axis (ordered as the kernel's
    (kh, kw, C_in) axes) and multiplied by the flattened kernel: (B, H', W', kh·kw·C_in) @
    (kh·kw·C_in, C_out). 'SAME' pads the input by kh // 2 and kw // 2 first (odd kernels).
    """
    kh, kw, c_in, c_out = kernel_KKIO.shape
    if padding == "SAME":
        x_BHWC = jnp.pad(x_BHWC, ((0, 0), (kh // 2, kh // 2), (kw // 2, kw // 2), (0, 0)))
    height, width = x_BHWC.shape[1] - kh + 1, x_BHWC.shape[2] - kw + 1
    views = [x_BHWC[:, i:i + height, j:j + width, :] for i in range(kh) for j in range(kw)]
    return jnp.concatenate(views, axis=-1) @ kernel_KKIO.reshape(kh * kw * c_in, c_out)


class Conv(nnx.Module):
    """2-D convolution followed by an optional ReLU; `l2` adds `l2 * sum(kernel**2)` to the loss.

    In training on the CPU backend, stride-1 convolutions with odd kernels run as `im2col_conv`.
    That made cnn4's whole train step 1.21× faster than `lax.conv_general_dilated` on a 2-core
    x86 CPU (benchmarks/cnn4_profile.py, batch 32). Inference keeps `nnx.Conv`, because im2col
    made one-face classification slower there (cnn_bn: 19 ms against 4 ms,
    benchmarks/inference_latency.py). Other backends keep `nnx.Conv` too, because the rewrite was
    measured only on the CPU. The parameters are those of `nnx.Conv` either way.
    """

    def __init__(self, in_features, out_features, kernel_size=3, *, padding="SAME", strides=1,
                 relu=True, use_bias=True, l2=0.0, dtype=None, rngs: nnx.Rngs):
        self.conv = nnx.Conv(
            in_features, out_features, (kernel_size, kernel_size), strides=strides, padding=padding,
            use_bias=use_bias, kernel_init=KERAS_KERNEL_INIT, dtype=dtype, rngs=rngs,
        )
        self.use_im2col = strides == 1 and kernel_size % 2 == 1 and padding in ("SAME", "VALID")
        self.relu = relu
        self.l2 = l2

    def __call__(self, x, *, train=False, key=None):
        if train and self.use_im2col and jax.default_backend() == "cpu":
            conv = self.conv
            kernel = conv.kernel[...]
            if conv.dtype is not None:
                x, kernel = x.astype(conv.dtype), kernel.astype(conv.dtype)
            y = im2col_conv(x, kernel, conv.padding)
            if conv.bias is not None:
                y = y + conv.bias[...].astype(y.dtype)
        else:
            y = self.conv(x)
        return jax.nn.relu(y) if self.relu else y

    def l2_penalty(self):
        return self.l2 * jnp.sum(jnp.square(self.conv.kernel[...]))


class SeparableConv(nnx.Module):
    """Depthwise-separable convolution (depthwise k×k, then pointwise 1×1), no bias, as in Keras."""

    def __init__(self, in_features, out_features, kernel_size=3, *, l2=0.0, dtype=None, rngs: nnx.Rngs):
        self.depthwise = nnx.Conv(
            in_features, in_features, (kernel_size, kernel_size), padding="SAME",
            feature_group_count=in_features, use_bias=False, kernel_init=KERAS_KERNEL_INIT,
            dtype=dtype, rngs=rngs,
        )
        self.pointwise = nnx.Conv(
            in_features, out_features, (1, 1), use_bias=False, kernel_init=KERAS_KERNEL_INIT,
            dtype=dtype, rngs=rngs,
        )
        self.l2 = l2

    def __call__(self, x, *, train=False, key=None):
        return self.pointwise(self.depthwise(x))

    def l2_penalty(self):
        squares = jnp.sum(jnp.square(self.depthwise.kernel[...])) + jnp.sum(jnp.square(self.pointwise.kernel[...]))
        return self.l2 * squares


class Dense(nnx.Module):
    """Fully connected layer with an optional ReLU."""

    def __init__(self, in_features, out_features, *, relu=True, l2=0.0, dtype=None, rngs: nnx.Rngs):
        self.linear = nnx.Linear(in_features, out_features, kernel_init=KERAS_KERNEL_INIT, dtype=dtype, rngs=rngs)
        self.relu = relu
        self.l2 = l2

    def __call__(self, x, *, train=False, key=None):
        y = self.linear(x)
        return jax.nn.relu(y) if self.relu else y

    def l2_penalty(self):
        return self.l2 * jnp.sum(jnp.square(self.linear.kernel[...]))


class BatchNorm(nnx.Module):
    """Batch normalisation over the last axis: batch statistics in training, running averages otherwise."""

    def __init__(self, num_features, *, dtype=None, rngs: nnx.Rngs):
        self.norm = nnx.BatchNorm(
            num_features, momentum=KERAS_BATCHNORM_MOMENTUM, epsilon=KERAS_BATCHNORM_EPSILON,
            dtype=dtype, rngs=rngs,
        )

    def __call__(self, x, *, train=False, key=None):
        return self.norm(x, use_running_average=not train)


class MaxPool(nnx.Module):
    """Max pooling with a square window."""

    def __init__(self, window=2, strides=None, padding="VALID"):
        self.window = window
        self.strides = strides or window
        self.padding = padding

    def __call__(self, x, *, train=False, key=None):
        return nnx.max_pool(x, (self.window, self.window), (self.strides, self.strides), self.padding)


class Dropout(nnx.Module):
    """Inverted dropout; active only when `train` is true, with the key the caller passes."""

    def __init__(self, rate):
        self.dropout = nnx.Dropout(rate)

    def __call__(self, x, *, train=False, key=None):
        if not train or self.dropout.rate == 0.0:
            return x
        return self.dropout(x, deterministic=False, rngs=key)


class Flatten(nnx.Module):
    """Flatten (B, H, W, C) to (B, H*W*C)."""

    def __call__(self, x, *, train=False, key=None):
        return x.reshape(x.shape[0], -1)


class GlobalAveragePool(nnx.Module):
    """Average (B, H, W, C) over H and W to (B, C)."""

    def __call__(self, x, *, train=False, key=None):
        return jnp.mean(x, axis=(1, 2))


class Sequential(nnx.Module):
    """A stack of named layers run in order.

    `__call__(x_BHWC, train, key)` returns logits (B, num_classes). `features` also returns each
    layer's output, for feature-map plots. Layer i's dropout key is `fold_in(key, i)`.
    """

    def __init__(self, named_layers: list[tuple[str, nnx.Module]]):
        self.names = tuple(name for name, _ in named_layers)
        self.layers = nnx.List([layer for _, layer in named_layers])

    def features(self, x, *, train=False, key=None):
        outputs = []
        for index, (name, layer) in enumerate(zip(self.names, self.layers)):
            layer_key = None if key is None else jax.random.fold_in(key, index)
            x = layer(x, train=train, key=layer_key)
            outputs.append((name, x))
        return x, outputs

    def __call__(self, x, *, train=False, key=None):
        logits, _ = self.features(x, train=train, key=key)
        return logits

    def l2_penalty(self):
        terms = [layer.l2_penalty() for layer in self.layers if getattr(layer, "l2", 0.0)]
        return sum(terms) if terms else jnp.zeros(())
