"""zoo: JAX/Flax NNX models for facial expressions (FER-2013) and English-Kannada translation."""

__version__ = "0.1.0"
