"""The tagger regime with a GRU layer (reset-after form) instead of the SimpleRNN, same sizes."""

import ml_collections

from configs import nmt_simple_rnn


def get_config() -> ml_collections.ConfigDict:
    config = nmt_simple_rnn.get_config()
    config.model.name = "gru"
    config.model.reset_after = True  # False: the original form, reset gate before the matmul
    return config
