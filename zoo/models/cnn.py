"""The convolutional networks of the FER-2013 ablation, as `Sequential` stacks.

Input: images (B, 48, 48, 1) scaled to [0, 1]. Output: logits (B, num_classes).

Choices the reference study left open, made here: the plain CNN has two 3×3 'same'
convolutions of 32 and 64 filters, one 2×2 max-pool and a 128-unit hidden dense layer;
`cnn_bn` adds BatchNorm after every convolution and the hidden dense layer; `cnn_dropout`
adds dropout after every such layer as well (0.25 after convolutions, 0.5 after the dense
layer). `cnn4` follows the reference layer by layer and has 32,116,103 trainable parameters.
"""

from __future__ import annotations

from flax import nnx

from zoo.models.layers import BatchNorm, Conv, Dense, Dropout, Flatten, MaxPool, Sequential

IMAGE_SIZE = 48


def small_cnn(*, num_classes=7, batch_norm=False, conv_dropout=0.0, dense_dropout=0.0,
              hidden=128, dtype=None, rngs: nnx.Rngs) -> Sequential:
    """Build the two-convolution network shared by `cnn_baseline`, `cnn_bn` and `cnn_dropout`."""
    layers = []

    def add_regularisers(suffix, features, dropout):
        if batch_norm:
            layers.append((f"batchnorm{suffix}", BatchNorm(features, dtype=dtype, rngs=rngs)))
        if dropout:
            layers.append((f"dropout{suffix}", Dropout(dropout)))

    layers.append(("conv1", Conv(1, 32, dtype=dtype, rngs=rngs)))
    add_regularisers("1", 32, conv_dropout)
    layers.append(("conv2", Conv(32, 64, dtype=dtype, rngs=rngs)))
    add_regularisers("2", 64, conv_dropout)
    layers.append(("maxpool", MaxPool(2)))
    layers.append(("flatten", Flatten()))
    flat = (IMAGE_SIZE // 2) ** 2 * 64
    layers.append(("dense", Dense(flat, hidden, dtype=dtype, rngs=rngs)))
    add_regularisers("3", hidden, dense_dropout)
    layers.append(("logits", Dense(hidden, num_classes, relu=False, dtype=dtype, rngs=rngs)))
    return Sequential(layers)


def cnn_baseline(*, num_classes=7, dtype=None, rngs: nnx.Rngs) -> Sequential:
    """Plain CNN: conv 32 → conv 64 → max-pool → dense 128 → dense 7."""
    return small_cnn(num_classes=num_classes, dtype=dtype, rngs=rngs)


def cnn_bn(*, num_classes=7, dtype=None, rngs: nnx.Rngs) -> Sequential:
    """Build the plain CNN with BatchNorm after each convolution and the hidden dense layer."""
    return small_cnn(num_classes=num_classes, batch_norm=True, dtype=dtype, rngs=rngs)


def cnn_dropout(*, num_classes=7, conv_dropout=0.25, dense_dropout=0.5, dtype=None,
                rngs: nnx.Rngs) -> Sequential:
    """`cnn_bn` with dropout after every layer."""
    return small_cnn(num_classes=num_classes, batch_norm=True, conv_dropout=conv_dropout,
                     dense_dropout=dense_dropout, dtype=dtype, rngs=rngs)


def cnn4(*, num_classes=7, l2=0.01, conv_dropout=0.25, dense_dropout=0.5, dtype=None,
         rngs: nnx.Rngs) -> Sequential:
    """Build the tuned 4-convolution model. `l2` applies to the third and fourth convolutions."""
    flat = 11 * 11 * 256  # 48 → pool 24 → valid 3×3 conv 22 → pool 11
    return Sequential([
        ("conv1", Conv(1, 32, dtype=dtype, rngs=rngs)),
        ("conv2", Conv(32, 64, dtype=dtype, rngs=rngs)),
        ("batchnorm1", BatchNorm(64, dtype=dtype, rngs=rngs)),
        ("maxpool1", MaxPool(2)),
        ("dropout1", Dropout(conv_dropout)),
        ("conv3", Conv(64, 128, l2=l2, dtype=dtype, rngs=rngs)),
        ("conv4", Conv(128, 256, padding="VALID", l2=l2, dtype=dtype, rngs=rngs)),
        ("batchnorm2", BatchNorm(256, dtype=dtype, rngs=rngs)),
        ("maxpool2", MaxPool(2)),
        ("dropout2", Dropout(conv_dropout)),
        ("flatten", Flatten()),
        ("dense", Dense(flat, 1024, dtype=dtype, rngs=rngs)),
        ("dropout3", Dropout(dense_dropout)),
        ("logits", Dense(1024, num_classes, relu=False, dtype=dtype, rngs=rngs)),
    ])
