"""The FER recipe for a 30-minute budget on a 2-core CPU: the BatchNorm CNN, light augmentation.

    python train_fer.py --config configs/fast.py --data-dir DIR --workdir runs/fast

cnn_bn is among the cheapest models of the zoo per image and trains fastest of the ablation
steps without overfitting at once. Batches of 64, mild random zoom (±15%) and flips, and a
learning rate cut after each epoch without improvement fit the run into about 12 epochs.
"""

from configs import batchnorm


def get_config():
    config = batchnorm.get_config()
    config.train.epochs = 12
    config.train.batch_size = 64
    config.train.early_stopping.enabled = True
    config.train.plateau.enabled = True
    config.train.plateau.factor = 0.3
    config.train.plateau.patience = 1
    config.train.augment.enabled = True
    config.train.augment.zoom = 0.15
    return config
