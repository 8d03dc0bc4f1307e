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


class Conv(nnx.Module):
    """2-D convolution followed by an optional ReLU; `l2` adds `l2 * sum(kernel**2)` to the loss."""

    def __init__(self, in_features, out_features, kernel_size=3, *, padding="SAME", strides=1,
                 relu=True, use_bias=True, l2=0.0, dtype=None, rngs: nnx.Rngs):
        # XLA's CPU backend runs a stride-1 'valid' convolution about twice as slowly as the 'same'
        # one (measured on cnn4's conv4 by benchmarks/cnn4_profile.py), so compute 'same' and crop
        # the border: identical values and parameters.
        self.crop = kernel_size // 2 if padding == "VALID" and strides == 1 else 0
        self.conv = nnx.Conv(
            in_features, out_features, (kernel_size, kernel_size), strides=strides,
            padding="SAME" if self.crop else padding,
            use_bias=use_bias, kernel_init=KERAS_KERNEL_INIT, dtype=dtype, rngs=rngs,
        )
        self.relu = relu
        self.l2 = l2

    def __call__(self, x, *, train=False, key=None):
        y = self.conv(x)
        if self.crop:
            y = y[:, self.crop:-self.crop, self.crop:-self.crop, :]
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
