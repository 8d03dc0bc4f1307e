"""A tiny translation run for tests: short Tatoeba pairs, a small encoder-decoder, two epochs.

    python train_nmt.py --config configs/nmt_smoke.py --workdir /tmp/nmt_smoke
"""

import ml_collections

from configs import nmt_base


def get_config() -> ml_collections.ConfigDict:
    config = nmt_base.get_config()
    config.data.sources = [nmt_base.TATOEBA]
    config.data.val_fraction = 0.1
    config.data.test_fraction = 0.1
    config.data.max_words = 5
    config.data.vocab_size = 200
    config.data.bucket_lengths = (16, 32)
    config.model.embed_dim = 16
    config.model.hidden = 32
    config.train.epochs = 2
    config.train.batch_size = 16
    config.train.eval_batch_size = 16
    config.train.log_every = 2
    config.decode.beam_size = 3
    config.decode.batch_size = 8
    config.decode.samples = 3
    return config
