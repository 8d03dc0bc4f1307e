"""Ablation step 1: the plain 2-convolution CNN (reference test accuracy 0.59).

    python train_fer.py --config configs/baseline.py --data-dir DIR --workdir runs/baseline
"""

from configs import fer_base


def get_config():
    return fer_base.get_config()
