"""A tiny translation run that checks the whole pipeline in about a minute on a CPU.

    python train_nmt.py --config configs/nmt_smoke.py --workdir /tmp/nmt_smoke

Short Tatoeba pairs and a small encoder-decoder. Its translations are poor, but it trains long
enough to write Kannada words rather than punctuation.
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
    # One length bucket: each bucket costs a compilation of the train, eval and decode steps,
    # which on a CPU take longer than the training itself.
    config.data.bucket_lengths = (32,)
    config.model.embed_dim = 16
    config.model.hidden = 32
    # An epoch takes a fraction of a second once compiled. Two epochs at the base learning rate
    # left the model writing only punctuation; early stopping usually ends this run sooner.
    config.train.epochs = 30
    config.train.learning_rate = 0.01
    config.train.batch_size = 16
    config.train.eval_batch_size = 16
    config.train.log_every = 2
    config.decode.beam_size = 3
    config.decode.batch_size = 8
    config.decode.samples = 3
    return config
