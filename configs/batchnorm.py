"""Ablation step 2: BatchNorm after each layer (reference test accuracy 0.57).

    python train_fer.py --config configs/batchnorm.py --data-dir DIR --workdir runs/batchnorm
"""

from configs import fer_base


def get_config():
    config = fer_base.get_config()
    config.model.name = "cnn_bn"
    return config
