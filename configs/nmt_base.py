"""Base English→Kannada config: the attention encoder-decoder on all three shipped corpora.

    python train_nmt.py --config configs/nmt_base.py --workdir runs/nmt_base

The corpora default to the copies shipped in the package; --data-dir points at another folder
with the same layout. Every other translation config imports this one and changes only what
differs.
"""

import ml_collections

TATOEBA = {"kind": "tab", "path": "kan-eng/kan.txt"}
NTREX = {"kind": "aligned", "src": "ntrex128/newstest2019-src.eng.txt", "tgt": "ntrex128/newstest2019-ref.kan.txt"}
# FLORES-200 dev stays whole as the test set: it is the usual English→Kannada benchmark family.
FLORES_TEST = {"kind": "aligned", "src": "flores200/eng_Latn.dev", "tgt": "flores200/kan_Knda.dev", "split": "test"}


def get_config() -> ml_collections.ConfigDict:
    config = ml_collections.ConfigDict()
    config.task = "nmt"
    config.seed = 0  # data split, model initialisation, batch order and dropout keys

    config.data = ml_collections.ConfigDict()
    config.data.sources = [TATOEBA, NTREX, FLORES_TEST]
    config.data.val_fraction = 0.1  # share of the unpinned pairs held out for validation
    config.data.test_fraction = 0.0  # share of the unpinned pairs held out for test
    config.data.max_words = 0  # keep pairs with at most this many English words; 0 keeps all
    config.data.tokenizer = "subword"  # "word" or "subword" (SentencePiece unigram)
    config.data.vocab_size = 4000  # SentencePiece pieces per language, an upper bound
    config.data.max_vocab = 0  # word tokenizer: vocabulary limit with specials; 0 for none
    config.data.min_count = 1  # word tokenizer: rarer words become <unk>
    config.data.bucket_lengths = (16, 32, 48, 64, 96)  # padded lengths; longer pairs are left out

    config.model = ml_collections.ConfigDict()
    config.model.name = "seq2seq_attention"
    config.model.embed_dim = 128
    config.model.hidden = 256
    config.model.attention = "additive"  # "additive" (Bahdanau) or "multiplicative" (Luong)
    config.model.bidirectional = True
    config.model.cell = "gru"  # "gru" or "lstm"
    config.model.dropout = 0.2

    config.train = ml_collections.ConfigDict()
    config.train.epochs = 40  # upper limit; early stopping may end sooner
    config.train.batch_size = 32
    config.train.eval_batch_size = 128
    config.train.optimizer = "adam"  # "adam" or "sgd" (momentum 0.9)
    config.train.learning_rate = 1e-3
    config.train.log_every = 20  # steps between progress-bar loss updates (each one syncs the host)
    config.train.keep_checkpoints = 2  # latest checkpoints kept for resuming
    config.train.num_devices = 0  # data-parallel devices; 0 uses every local device

    config.train.early_stopping = ml_collections.ConfigDict()
    config.train.early_stopping.enabled = True
    config.train.early_stopping.patience = 5  # epochs without a validation-loss improvement
    config.train.early_stopping.min_delta = 0.0
    config.train.early_stopping.restore_best = True  # end with the best epoch's weights

    config.train.plateau = ml_collections.ConfigDict()
    config.train.plateau.enabled = True
    config.train.plateau.factor = 0.5  # learning rate multiplier
    config.train.plateau.patience = 2  # epochs without an improvement of min_delta
    config.train.plateau.min_delta = 1e-4
    config.train.plateau.min_lr = 1e-5

    config.decode = ml_collections.ConfigDict()
    config.decode.beam_size = 5  # 1 decodes greedily; taggers always take the per-position argmax
    config.decode.alpha = 0.6  # length normalisation ((5 + length) / 6) ** alpha; 0 turns it off
    config.decode.length_ratio = 2.0  # output may run to this many times the source bucket length
    config.decode.batch_size = 64
    config.decode.samples = 10  # test translations written into report.json
    # Sentences found in no corpus, translated into report.json by every run so runs compare on the
    # same unseen inputs: a heading-like phrase and an everyday one.
    config.decode.probes = ["Economic Development and Social Change", "in front of her house"]
    return config
