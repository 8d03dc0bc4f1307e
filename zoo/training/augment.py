"""Image augmentation that runs on the device inside the jitted train step.

Random zoom draws independent horizontal and vertical factors from [1 - zoom, 1 + zoom], as
Keras' `zoom_range` does, and resamples bilinearly around the image centre with edge pixels
repeated ('nearest' fill). The horizontal flip mirrors each image with probability 1/2.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp


def random_zoom(images_BHWC: jax.Array, key: jax.Array, zoom: float) -> jax.Array:
    """Zoom each image by its own random factors; returns the same shape and dtype."""
    batch, height, width, _ = images_BHWC.shape
    scales_B2 = jax.random.uniform(key, (batch, 2), minval=1.0 - zoom, maxval=1.0 + zoom)
    rows_H = jnp.arange(height, dtype=jnp.float32) - (height - 1) / 2
    cols_W = jnp.arange(width, dtype=jnp.float32) - (width - 1) / 2

    def resample(image_HWC, scale_2):
        # A factor above 1 samples a wider area, so the face shrinks (Keras' convention).
        source_rows = jnp.clip(rows_H * scale_2[0] + (height - 1) / 2, 0, height - 1)
        source_cols = jnp.clip(cols_W * scale_2[1] + (width - 1) / 2, 0, width - 1)
        top = jnp.floor(source_rows).astype(jnp.int32)
        left = jnp.floor(source_cols).astype(jnp.int32)
        bottom = jnp.minimum(top + 1, height - 1)
        right = jnp.minimum(left + 1, width - 1)
        row_weight = (source_rows - top)[:, None, None]
        col_weight = (source_cols - left)[None, :, None]
        upper = image_HWC[top][:, left] * (1 - col_weight) + image_HWC[top][:, right] * col_weight
        lower = image_HWC[bottom][:, left] * (1 - col_weight) + image_HWC[bottom][:, right] * col_weight
        return upper * (1 - row_weight) + lower * row_weight

    return jax.vmap(resample)(images_BHWC, scales_B2).astype(images_BHWC.dtype)


def random_flip(images_BHWC: jax.Array, key: jax.Array) -> jax.Array:
    """Mirror each image left-right with probability 1/2."""
    flip_B = jax.random.bernoulli(key, 0.5, (images_BHWC.shape[0],))
    return jnp.where(flip_B[:, None, None, None], images_BHWC[:, :, ::-1, :], images_BHWC)


def augment(images_BHWC: jax.Array, key: jax.Array, *, zoom: float, flip: bool) -> jax.Array:
    """Apply random zoom (when `zoom` > 0) and random horizontal flip (when `flip`)."""
    zoom_key, flip_key = jax.random.split(key)
    if zoom > 0:
        images_BHWC = random_zoom(images_BHWC, zoom_key, zoom)
    if flip:
        images_BHWC = random_flip(images_BHWC, flip_key)
    return images_BHWC
