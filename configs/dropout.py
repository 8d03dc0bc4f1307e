"""Ablation step 3: BatchNorm and dropout after each layer (the reference saw a large drop).

    python train_fer.py --config configs/dropout.py --data-dir DIR --workdir runs/dropout
"""

from configs import batchnorm


def get_config():
    config = batchnorm.get_config()
    config.model.name = "cnn_dropout"
    config.model.conv_dropout = 0.25
    config.model.dense_dropout = 0.5
    return config
