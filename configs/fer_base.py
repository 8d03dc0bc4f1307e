"""Base FER-2013 config: the plain CNN of the ablation, trained as the Keras reference did.

    python train_fer.py --config configs/fer_base.py --data-dir DIR --workdir runs/baseline

Every other FER config imports this one and changes only what differs.
"""

import ml_collections


def get_config() -> ml_collections.ConfigDict:
    config = ml_collections.ConfigDict()
    config.task = "fer"
    config.seed = 0  # model initialisation, batch order, dropout and augmentation keys

    config.data = ml_collections.ConfigDict()
    config.data.validation = "public_test"  # or "train_slice": a stratified slice of train
    config.data.val_fraction = 0.1  # share of train used for validation with "train_slice"
    config.data.subset = 1.0  # stratified fraction of every split kept, for fast experiments
    config.data.skip_corrupt = False  # True skips unreadable images and counts them
    config.data.cache = True  # cache decoded arrays in $ZOO_CACHE_DIR or ~/.cache/zoo

    config.model = ml_collections.ConfigDict()
    config.model.name = "cnn_baseline"

    config.train = ml_collections.ConfigDict()
    config.train.epochs = 30  # upper limit; early stopping may end sooner
    config.train.batch_size = 32
    config.train.eval_batch_size = 512
    config.train.optimizer = "adam"  # "adam" or "sgd" (momentum 0.9)
    config.train.learning_rate = 1e-3  # Keras' Adam default, used by the reference
    config.train.dtype = "float32"  # compute dtype; "bfloat16" keeps float32 parameters
    config.train.log_every = 100  # steps between progress-bar loss updates (each one syncs the host)
    config.train.keep_checkpoints = 2  # latest checkpoints kept for resuming
    config.train.num_devices = 0  # data-parallel devices; 0 uses every local device

    config.train.early_stopping = ml_collections.ConfigDict()
    config.train.early_stopping.enabled = False
    config.train.early_stopping.patience = 3  # epochs without a validation-loss improvement
    config.train.early_stopping.min_delta = 0.0
    config.train.early_stopping.restore_best = True  # end with the best epoch's weights

    config.train.plateau = ml_collections.ConfigDict()
    config.train.plateau.enabled = False
    config.train.plateau.factor = 0.2  # learning rate multiplier
    config.train.plateau.patience = 2  # epochs without an improvement of min_delta
    config.train.plateau.min_delta = 1e-4
    config.train.plateau.min_lr = 0.0

    config.train.augment = ml_collections.ConfigDict()
    config.train.augment.enabled = False
    config.train.augment.zoom = 0.3  # zoom factors drawn from [1 - zoom, 1 + zoom]
    config.train.augment.flip = True  # random horizontal flip
    return config
