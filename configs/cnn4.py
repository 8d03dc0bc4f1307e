"""The tuned 4-convolution model (reference: test 0.63, train 0.73; 32,116,103 parameters).

Adam 1e-4, early stopping (patience 3, best weights restored), learning rate × 0.2 after 2
epochs without an improvement of 1e-4, random zoom ±30% and horizontal flip.

    python train_fer.py --config configs/cnn4.py --data-dir DIR --workdir runs/cnn4
"""

from configs import augment


def get_config():
    config = augment.get_config()
    config.model = {"name": "cnn4", "l2": 0.01, "conv_dropout": 0.25, "dense_dropout": 0.5}
    config.train.learning_rate = 1e-4
    return config
