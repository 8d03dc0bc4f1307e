"""mini-Xception: a depthwise-separable residual CNN of about 60k parameters.

From Arriaga, Valdenegro-Toro and Plöger, "Real-time Convolutional Neural Networks for Emotion
and Gender Classification" (2017), which reports 66% on FER-2013. Two plain 3×3 convolutions of
8 filters, four residual modules of 16, 32, 64 and 128 filters (each: two separable 3×3
convolutions with BatchNorm, a 3×3 stride-2 max-pool, and a strided 1×1 convolution on the
shortcut), then a 3×3 convolution to one channel per class and global average pooling.
Input (B, 48, 48, 1) in [0, 1]; output logits (B, num_classes).
"""

from __future__ import annotations

import jax
from flax import nnx

from zoo.models.layers import BatchNorm, Conv, GlobalAveragePool, MaxPool, SeparableConv, Sequential


class ResidualModule(nnx.Module):
    """Separable conv → BN → ReLU → separable conv → BN → max-pool, plus a strided 1×1 shortcut."""

    def __init__(self, in_features, out_features, *, l2, dtype=None, rngs: nnx.Rngs):
        self.shortcut = Conv(in_features, out_features, 1, strides=2, relu=False, use_bias=False,
                             l2=l2, dtype=dtype, rngs=rngs)
        self.shortcut_norm = BatchNorm(out_features, dtype=dtype, rngs=rngs)
        self.separable1 = SeparableConv(in_features, out_features, l2=l2, dtype=dtype, rngs=rngs)
        self.norm1 = BatchNorm(out_features, dtype=dtype, rngs=rngs)
        self.separable2 = SeparableConv(out_features, out_features, l2=l2, dtype=dtype, rngs=rngs)
        self.norm2 = BatchNorm(out_features, dtype=dtype, rngs=rngs)
        self.pool = MaxPool(3, strides=2, padding="SAME")
        self.l2 = l2

    def __call__(self, x, *, train=False, key=None):
        residual = self.shortcut_norm(self.shortcut(x), train=train)
        y = jax.nn.relu(self.norm1(self.separable1(x), train=train))
        y = self.pool(self.norm2(self.separable2(y), train=train))
        return y + residual

    def l2_penalty(self):
        return self.shortcut.l2_penalty() + self.separable1.l2_penalty() + self.separable2.l2_penalty()


def mini_xception(*, num_classes=7, l2=0.01, dtype=None, rngs: nnx.Rngs) -> Sequential:
    """Build mini-Xception; `l2` applies to every convolution kernel, as in the paper's code."""
    layers = [
        ("conv1", Conv(1, 8, padding="VALID", relu=False, use_bias=False, l2=l2, dtype=dtype, rngs=rngs)),
        ("batchnorm1", BatchNorm(8, dtype=dtype, rngs=rngs)),
        ("relu1", _ReLU()),
        ("conv2", Conv(8, 8, padding="VALID", relu=False, use_bias=False, l2=l2, dtype=dtype, rngs=rngs)),
        ("batchnorm2", BatchNorm(8, dtype=dtype, rngs=rngs)),
        ("relu2", _ReLU()),
    ]
    in_features = 8
    for index, features in enumerate((16, 32, 64, 128), start=1):
        layers.append((f"module{index}", ResidualModule(in_features, features, l2=l2, dtype=dtype, rngs=rngs)))
        in_features = features
    layers.append(("conv_classes", Conv(in_features, num_classes, relu=False, l2=l2, dtype=dtype, rngs=rngs)))
    layers.append(("global_pool", GlobalAveragePool()))
    return Sequential(layers)


class _ReLU(nnx.Module):
    def __call__(self, x, *, train=False, key=None):
        return jax.nn.relu(x)
