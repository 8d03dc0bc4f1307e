"""The tagger regime of the Keras reference: short Tatoeba sentences, word vocabularies, SimpleRNN.

    python train_nmt.py --config configs/nmt_simple_rnn.py --workdir runs/nmt_simple_rnn

Pairs with at most five English words, split 80/10/10 at random; each sentence is framed by
<start> and <end> and padded to one of two lengths. The tagger predicts one Kannada token per
English position, so it cannot reorder words: the configs that import this one swap only the
recurrent layer, and nmt_base.py is the encoder-decoder that can reorder.
"""

import ml_collections

from configs import nmt_base


def get_config() -> ml_collections.ConfigDict:
    config = nmt_base.get_config()
    config.data.sources = [nmt_base.TATOEBA]
    config.data.val_fraction = 0.1
    config.data.test_fraction = 0.1
    config.data.max_words = 5
    config.data.tokenizer = "word"
    config.data.bucket_lengths = (8, 12)

    config.model = ml_collections.ConfigDict()
    config.model.name = "simple_rnn"
    config.model.embed_dim = 64
    config.model.hidden = 256
    config.model.dense = 1024
    config.model.dropout = 0.2

    config.train.epochs = 60
    config.train.batch_size = 16
    config.train.eval_batch_size = 32
    config.train.log_every = 5
    config.train.early_stopping.patience = 10
    config.train.plateau.enabled = False
    config.decode.beam_size = 1
    return config
