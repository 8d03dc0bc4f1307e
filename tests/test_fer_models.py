import jax
import jax.numpy as jnp
import pytest
from flax import nnx

from zoo.errors import ConfigError
from zoo.models import FER_MODELS, count_params, create_fer_model

# cnn4 matches the Keras reference's summary; the others follow from the documented layer choices.
EXPECTED_PARAMS = {
    "cnn_baseline": 4_738_439,
    "cnn_bn": 4_738_887,
    "cnn_dropout": 4_738_887,
    "cnn4": 32_116_103,
    "mini_xception": 56_951,
}


@pytest.mark.parametrize("name", sorted(FER_MODELS))
def test_model_output_shape_and_parameters(name):
    # Shapes only: eval_shape traces the model without allocating or computing anything.
    model = nnx.eval_shape(lambda: create_fer_model(name, rngs=nnx.Rngs(0)))
    logits = nnx.eval_shape(lambda m, x: m(x, train=True, key=jax.random.key(0)), model, jnp.zeros((3, 48, 48, 1)))
    assert logits.shape == (3, 7)
    assert count_params(model) == EXPECTED_PARAMS[name]


def test_dropout_active_only_in_training():
    model = create_fer_model("cnn_dropout", rngs=nnx.Rngs(0))
    images = jax.random.uniform(jax.random.key(1), (2, 48, 48, 1))
    forward = nnx.jit(lambda m, x, key, train: m(x, train=train, key=key), static_argnums=3)
    eval_a = forward(model, images, jax.random.key(2), False)
    eval_b = forward(model, images, jax.random.key(3), False)
    assert jnp.array_equal(eval_a, eval_b)
    train_a = forward(model, images, jax.random.key(2), True)
    train_b = forward(model, images, jax.random.key(3), True)
    assert not jnp.allclose(train_a, train_b)


def test_l2_penalty_covers_regularised_layers_only():
    model = create_fer_model("cnn4", l2=0.5, rngs=nnx.Rngs(0))
    kernels = [model.layers[model.names.index(name)].conv.kernel[...] for name in ("conv3", "conv4")]
    expected = 0.5 * sum(float(jnp.sum(kernel**2)) for kernel in kernels)
    assert float(model.l2_penalty()) == pytest.approx(expected, rel=1e-5)


def test_features_names_every_layer():
    model = nnx.eval_shape(lambda: create_fer_model("cnn4", rngs=nnx.Rngs(0)))
    outputs = nnx.eval_shape(lambda m, x: [y for _, y in m.features(x)[1]], model, jnp.zeros((1, 48, 48, 1)))
    shapes = {name: output.shape for name, output in zip(model.names, outputs)}
    assert shapes["maxpool1"] == (1, 24, 24, 64)
    assert shapes["conv4"] == (1, 22, 22, 256)
    assert shapes["maxpool2"] == (1, 11, 11, 256)


def test_unknown_model_lists_choices():
    with pytest.raises(ConfigError, match=r"model\.name='resnet'.*cnn4"):
        create_fer_model("resnet", rngs=nnx.Rngs(0))


def test_unknown_model_option_is_named():
    with pytest.raises(ConfigError, match=r"Invalid options \['width'\] for model 'cnn4'"):
        create_fer_model("cnn4", width=3, rngs=nnx.Rngs(0))


@pytest.mark.parametrize("padding, size, kernel_size", [("VALID", 8, 3), ("SAME", 10, 3), ("SAME", 10, 5)])
def test_conv_matches_lax_convolution(padding, size, kernel_size):
    from zoo.models.layers import Conv

    layer = Conv(4, 8, kernel_size, padding=padding, rngs=nnx.Rngs(0))
    layer.conv.bias[...] = jax.random.normal(jax.random.key(2), (8,))
    x = jax.random.normal(jax.random.key(1), (2, 10, 10, 4))
    expected = jax.lax.conv_general_dilated(
        x, layer.conv.kernel[...], (1, 1), padding, dimension_numbers=("NHWC", "HWIO", "NHWC")
    )
    expected = jax.nn.relu(expected + layer.conv.bias[...])
    assert layer.use_im2col
    for train in (True, False):  # im2col in training, nnx.Conv in inference
        output = layer(x, train=train)
        assert output.shape == (2, size, size, 8)
        assert jnp.allclose(output, expected, atol=1e-5)


def test_conv_gradient_matches_lax_convolution():
    from zoo.models.layers import Conv

    layer = Conv(3, 5, padding="VALID", relu=False, rngs=nnx.Rngs(0))
    x = jax.random.normal(jax.random.key(1), (2, 7, 7, 3))
    kernel = layer.conv.kernel[...]

    def lax_loss(kernel):
        y = jax.lax.conv_general_dilated(x, kernel, (1, 1), "VALID", dimension_numbers=("NHWC", "HWIO", "NHWC"))
        return jnp.sum(jnp.sin(y))

    grads = nnx.grad(lambda model: jnp.sum(jnp.sin(model(x, train=True))))(layer)
    assert jnp.allclose(grads["conv"]["kernel"][...], jax.grad(lax_loss)(kernel), atol=1e-4)
