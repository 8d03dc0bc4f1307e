"""The tagger regime with an LSTM layer: embedding 128, 64 units."""

import ml_collections

from configs import nmt_simple_rnn


def get_config() -> ml_collections.ConfigDict:
    config = nmt_simple_rnn.get_config()
    config.model.name = "lstm"
    config.model.embed_dim = 128
    config.model.hidden = 64
    return config
