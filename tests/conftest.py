"""Shared fixtures: the real data folder and small FER folders built from it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from zoo.data.fer import EMOTIONS

REPO_ROOT = Path(__file__).resolve().parent.parent


def real_data_dir() -> Path | None:
    """Return the data folder from ZOO_DATA_DIR, else ../shared/data beside the repository, if it exists."""
    candidates = [os.environ.get("ZOO_DATA_DIR"), REPO_ROOT.parent / "shared" / "data"]
    for candidate in candidates:
        if candidate and (Path(candidate) / "fer2013" / "train").is_dir():
            return Path(candidate)
    return None


@pytest.fixture(scope="session")
def data_dir() -> Path:
    found = real_data_dir()
    if found is None:
        pytest.skip("FER-2013 not found: set ZOO_DATA_DIR to a folder holding fer2013/train and fer2013/test")
    return found


@pytest.fixture(autouse=True)
def isolated_cache(tmp_path_factory, monkeypatch):
    """Keep decoded-array caches of test folders out of the user's cache."""
    monkeypatch.setenv("ZOO_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))


def copy_sample(data_dir: Path, destination: Path, per_class: int = 3) -> Path:
    """Copy `per_class` real images of every class and split into destination/fer2013; return that folder."""
    root = destination / "fer2013"
    for split, prefixes in (("train", ("Training",)), ("test", ("PublicTest", "PrivateTest"))):
        for emotion in EMOTIONS:
            target = root / split / emotion
            target.mkdir(parents=True)
            names = sorted(os.listdir(data_dir / "fer2013" / split / emotion))
            for prefix in prefixes:
                for name in [n for n in names if n.startswith(prefix)][:per_class]:
                    shutil.copy(data_dir / "fer2013" / split / emotion / name, target / name)
    return root


@pytest.fixture
def small_fer(data_dir, tmp_path) -> Path:
    """A FER folder with 3 real images per class, split and official half."""
    return copy_sample(data_dir, tmp_path)


# A small GRU tagger in one length bucket, trained for two epochs on the shipped Tatoeba pairs:
# one train and one eval compilation, so the run takes seconds. Its translations are meaningless.
TINY_NMT = [
    "model.embed_dim=8", "model.hidden=16", "model.dense=32", "data.bucket_lengths=(12,)",
    "train.epochs=2", "train.batch_size=8", "train.eval_batch_size=16", "train.learning_rate=0.01",
    "decode.batch_size=8", "decode.samples=2",
]


@pytest.fixture(scope="session")
def nmt_run(tmp_path_factory) -> tuple[Path, dict]:
    """A translation run trained once per session by the real loop: (its folder, its report)."""
    from zoo.config import load_config
    from zoo.nmt.train import train_and_evaluate

    workdir = tmp_path_factory.mktemp("nmt_run")
    config = load_config(REPO_ROOT / "configs" / "nmt_gru.py", TINY_NMT)
    return workdir, train_and_evaluate(config, workdir)
