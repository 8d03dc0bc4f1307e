"""The encoder-decoder of nmt_base.py with multiplicative (Luong) attention and input feeding."""

import ml_collections

from configs import nmt_base


def get_config() -> ml_collections.ConfigDict:
    config = nmt_base.get_config()
    config.model.attention = "multiplicative"
    return config
