"""mini-Xception (about 57k parameters) with the cnn4 recipe but Adam 1e-3 and a longer budget.

    python train_fer.py --config configs/mini_xception.py --data-dir DIR --workdir runs/mini_xception
"""

from configs import augment


def get_config():
    config = augment.get_config()
    config.model = {"name": "mini_xception", "l2": 0.01}
    config.train.epochs = 100
    config.train.batch_size = 32
    config.train.early_stopping.patience = 10
    config.train.plateau.patience = 4
    return config
