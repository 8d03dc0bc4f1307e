"""The FER recipe for a 30-minute budget on a 2-core CPU: the BatchNorm CNN, light augmentation.

    python train_fer.py --config configs/fast.py --data-dir DIR --workdir runs/fast

cnn_bn costs about a third of cnn4's train step per image (python -m zoo.bench). Batches of 64,
mild random zoom (±15%) and flips, and a learning rate cut to 0.3× after each epoch without a
validation-loss improvement. On a 2-core CPU an epoch took about 3.8 minutes, so 12 epochs
run past the 30-minute mark; RESULTS.md has the run.
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
