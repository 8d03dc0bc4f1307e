"""A tiny FER run for tests: 10% of the data, the plain CNN, two epochs, every code path on.

    python train_fer.py --config configs/smoke.py --data-dir DIR --workdir /tmp/smoke
"""

from configs import fer_base


def get_config():
    config = fer_base.get_config()
    config.data.subset = 0.1
    config.train.epochs = 2
    config.train.batch_size = 64
    config.train.log_every = 10
    config.train.early_stopping.enabled = True
    config.train.plateau.enabled = True
    config.train.augment.enabled = True
    return config
