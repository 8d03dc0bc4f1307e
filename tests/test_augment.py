import jax
import jax.numpy as jnp
import numpy as np

from zoo.training import augment as augment_module

# Jitted as in the train step; eager execution of the per-pixel gathers is far slower.
augment = jax.jit(augment_module.augment, static_argnames=("zoom", "flip"))
random_flip = jax.jit(augment_module.random_flip)
random_zoom = jax.jit(augment_module.random_zoom, static_argnames="zoom")


def ramp_images(batch=8):
    """Images whose value rises left to right, so flips and zooms are easy to recognise."""
    row = jnp.linspace(0.0, 1.0, 48)
    return jnp.broadcast_to(row[None, None, :, None], (batch, 48, 48, 1))


def test_augment_keeps_shape_dtype_and_range():
    images = jax.random.uniform(jax.random.key(0), (16, 48, 48, 1))
    out = augment(images, jax.random.key(1), zoom=0.3, flip=True)
    assert out.shape == images.shape
    assert out.dtype == images.dtype
    assert float(out.min()) >= 0.0
    assert float(out.max()) <= 1.0


def test_flip_mirrors_about_half_the_images():
    images = ramp_images(batch=400)
    flipped = random_flip(images, jax.random.key(3))
    mirrored = np.asarray(flipped[:, 0, 0, 0] == 1.0)
    unchanged = np.asarray(flipped[:, 0, 0, 0] == 0.0)
    assert np.all(mirrored | unchanged)
    assert 150 < mirrored.sum() < 250
    np.testing.assert_array_equal(flipped[mirrored], images[mirrored][:, :, ::-1])


def test_zoom_with_factor_one_is_identity():
    images = jax.random.uniform(jax.random.key(0), (4, 48, 48, 1))
    np.testing.assert_allclose(random_zoom(images, jax.random.key(1), zoom=0.0), images, atol=1e-6)


def test_zoom_changes_images_but_keeps_centre_value_on_ramp():
    images = ramp_images()
    zoomed = random_zoom(images, jax.random.key(5), zoom=0.3)
    assert not np.allclose(zoomed, images)
    # Zooming about the centre leaves the middle of a linear ramp at 0.5.
    centre = (zoomed[:, 24, 23, 0] + zoomed[:, 24, 24, 0]) / 2
    np.testing.assert_allclose(centre, 0.5, atol=0.02)


def test_augment_is_deterministic_per_key():
    images = jax.random.uniform(jax.random.key(0), (4, 48, 48, 1))
    first = augment(images, jax.random.key(9), zoom=0.3, flip=True)
    second = augment(images, jax.random.key(9), zoom=0.3, flip=True)
    np.testing.assert_array_equal(first, second)
