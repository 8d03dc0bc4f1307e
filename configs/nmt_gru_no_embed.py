"""The GRU tagger without an embedding: each English token id is fed as one number per step."""

import ml_collections

from configs import nmt_gru


def get_config() -> ml_collections.ConfigDict:
    config = nmt_gru.get_config()
    config.model.name = "gru_no_embed"
    del config.model["embed_dim"]
    return config
