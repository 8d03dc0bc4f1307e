"""ROC AUC by ranks, the thumbnail-pixel analysis, and `python -m zoo.explore fer` and `nmt` on written data."""

from __future__ import annotations

import itertools

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from tests.conftest import REPO_ROOT
from zoo.data.fer import EMOTIONS, find_fer_source, load_fer
from zoo.explore.__main__ import main as explore_main
from zoo.explore.fer import class_counts, pixel_aucs, ranked_pixels, thumbnails
from zoo.explore.nmt import explore_nmt, oov_rates, vocabulary_stats
from zoo.explore.roc import average_ranks, roc_auc


def brute_force_auc(scores, positive):
    """Count over all (positive, negative) pairs: 1 when the positive scores higher, 1/2 on a tie."""
    wins = 0.0
    pairs = list(itertools.product(scores[positive], scores[~positive]))
    for positive_score, negative_score in pairs:
        if positive_score > negative_score:
            wins += 1.0
        elif positive_score == negative_score:
            wins += 0.5
    return wins / len(pairs)


# ROC AUC


def test_average_ranks_share_ties():
    assert average_ranks(np.array([30, 10, 20, 20])).tolist() == [4.0, 1.0, 2.5, 2.5]
    assert average_ranks(np.array([5, 5, 5])).tolist() == [2.0, 2.0, 2.0]


@pytest.mark.parametrize("scores, labels, expected", [
    ([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1], 1.0),  # perfect separation
    ([0.1, 0.2, 0.8, 0.9], [1, 1, 0, 0], 0.0),  # perfectly reversed
    ([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1], 0.5),  # all tied
    ([1, 2, 3, 2], [1, 1, 1, 0], 0.5),  # positives 1, 2, 3 vs negative 2: (0 + 1/2 + 1) / 3
    ([0.9, 0.8, 0.4, 0.5, 0.4, 0.1], [1, 1, 1, 0, 0, 0], 7.5 / 9),  # 3 + 3 + (0 + 1/2 + 1) wins of 9
    ([3, 1, 2], [0, 1, 0], 0.0),  # the only positive scores lowest
])
def test_roc_auc_hand_computed(scores, labels, expected):
    assert roc_auc(np.array(scores), np.array(labels, bool)) == pytest.approx(expected)


def test_roc_auc_matches_pair_counting_with_ties():
    rng = np.random.default_rng(0)
    for _ in range(20):
        scores = rng.integers(0, 5, 40).astype(float)  # few values, so many ties
        positive = rng.random(40) < 0.4
        positive[:2] = [True, False]
        assert roc_auc(scores, positive) == pytest.approx(brute_force_auc(scores, positive))


def test_roc_auc_needs_both_classes():
    with pytest.raises(ValueError, match="needs both classes"):
        roc_auc(np.array([0.1, 0.2]), np.array([True, True]))
    with pytest.raises(ValueError, match="one length"):
        roc_auc(np.array([0.1, 0.2]), np.array([True]))


# Thumbnail pixels


def test_thumbnails_are_block_means():
    image = np.random.default_rng(1).integers(0, 256, (1, 48, 48), dtype=np.uint8)
    block_means = image[0].reshape(3, 16, 3, 16).mean(axis=(1, 3))
    thumbnail = thumbnails(image, 3)[0]
    assert thumbnail.shape == (3, 3)
    assert np.abs(thumbnail - block_means).max() <= 0.5  # INTER_AREA rounds to uint8


def make_faces(count, centre_value, seed):
    """Random images whose central 16×16 block is `centre_value`."""
    images = np.random.default_rng(seed).integers(0, 256, (count, 48, 48), dtype=np.uint8)
    images[:, 16:32, 16:32] = centre_value
    return images


def test_pixel_aucs_find_the_informative_pixel():
    dark_centre = make_faces(40, 40, seed=2)
    bright_centre = make_faces(30, 220, seed=3)
    aucs = pixel_aucs(dark_centre, bright_centre, 3)
    assert aucs.shape == (3, 3)
    assert aucs[1, 1] == 1.0  # the centre is brighter in every positive image
    others = np.delete(aucs.ravel(), 4)
    assert np.all(np.abs(others - 0.5) < 0.2)
    assert pixel_aucs(bright_centre, dark_centre, 3)[1, 1] == 0.0  # swapping the classes mirrors the AUC

    ranking = ranked_pixels(aucs)
    assert ranking[0]["position"] == "centre"
    assert [pixel["strength"] for pixel in ranking] == sorted((pixel["strength"] for pixel in ranking), reverse=True)


# The command


def write_fer_folder(root, per_class=6):
    """Write a FER folder: angry faces with a dark centre, surprise with a bright one, the rest random."""
    rng = np.random.default_rng(4)
    splits = {"train": [f"Training_{i}" for i in range(per_class)], "test": ["PublicTest_0", "PrivateTest_0", "PrivateTest_1"]}
    for split, names in splits.items():
        for emotion in EMOTIONS:
            folder = root / "fer2013" / split / emotion
            folder.mkdir(parents=True)
            for name in names:
                image = rng.integers(0, 256, (48, 48), dtype=np.uint8)
                if emotion == "angry":
                    image[16:32, 16:32] = 30
                elif emotion == "surprise":
                    image[16:32, 16:32] = 230
                cv2.imwrite(str(folder / f"{name}.png"), image)
    return root


def run_explore(tmp_path, *args):
    """Run the command with the decoded-image cache in `tmp_path`."""
    environment = {"ZOO_CACHE_DIR": str(tmp_path / "cache")}
    return CliRunner().invoke(explore_main, [str(arg) for arg in args], env=environment)


def test_explore_fer_writes_report(tmp_path):
    data_dir = write_fer_folder(tmp_path / "data")
    out = tmp_path / "explore"
    result = run_explore(tmp_path, "fer", "--data-dir", data_dir, "--out", out)
    assert result.exit_code == 0, result.output
    markdown = (out / "fer.md").read_text()
    assert "| angry | 6 | 1 | 2 | 9 | 14.3% |" in markdown
    assert "| **total** | 42 | 7 | 14 | 63 | 100% |" in markdown
    assert "| 1 | centre | 1.000 | 0.500 | surprise |" in markdown
    assert "| centre | 0.698 | strongest (1 of 9) | 1.000 | 0.500 | 1 of 9 |" in markdown
    for figure in ("fer_counts.png", "fer_samples.png", "fer_pixel_auc.png"):
        image = cv2.imread(str(out / figure))
        assert image is not None, figure
        assert image.std() > 5, figure


def test_explore_fer_other_classes_skip_reference(tmp_path):
    data_dir = write_fer_folder(tmp_path / "data")
    out = tmp_path / "explore"
    result = run_explore(tmp_path, "fer", "--data-dir", data_dir, "--out", out, "--classes", "surprise", "angry", "--size", 4)
    assert result.exit_code == 0, result.output
    markdown = (out / "fer.md").read_text()
    assert "ROC AUC (angry positive)" in markdown
    assert "row 2, column 2" in markdown
    assert "reference" not in markdown


def test_explore_fer_user_errors(tmp_path):
    data_dir = write_fer_folder(tmp_path / "data")
    unknown = run_explore(tmp_path, "fer", "--data-dir", data_dir, "--out", tmp_path / "o", "--classes", "angry", "bored")
    assert unknown.exit_code == 2
    assert "Unknown emotion 'bored' in --classes" in unknown.stderr
    assert not (tmp_path / "o").exists()

    same = run_explore(tmp_path, "fer", "--data-dir", data_dir, "--out", tmp_path / "o", "--classes", "sad", "sad")
    assert same.exit_code == 2
    assert "two different emotions" in same.stderr

    missing = run_explore(tmp_path, "fer", "--data-dir", tmp_path / "nowhere", "--out", tmp_path / "o")
    assert missing.exit_code == 2
    assert f"Data folder {tmp_path / 'nowhere'} does not exist; the path came from --data-dir." in missing.stderr


@pytest.mark.parametrize("command", ["fer", "nmt"])
def test_explore_out_must_be_a_folder(tmp_path, command):
    existing = tmp_path / "report.md"
    existing.write_text("an earlier page")
    # The folder is checked first, so the missing data folder is never reached.
    result = run_explore(tmp_path, command, "--data-dir", tmp_path / "nowhere", "--out", existing)
    assert result.exit_code == 2, result.output
    assert f"--out {existing} is a file, not a folder" in result.stderr
    assert "Traceback" not in result.output
    assert existing.read_text() == "an earlier page"


def test_class_counts_per_usage(tmp_path):
    data = load_fer(find_fer_source(write_fer_folder(tmp_path / "data", per_class=2)), use_cache=False)
    counts = class_counts(data)
    assert list(counts) == ["train", "PublicTest", "PrivateTest"]  # no unprefixed test files
    assert counts["train"].tolist() == [2] * 7
    assert counts["PrivateTest"].tolist() == [2] * 7


# python -m zoo.explore nmt


def write_corpus(folder):
    """Write two training pairs (a tab file) and one test pair (line-aligned files), both pinned."""
    folder.mkdir(parents=True)
    (folder / "pairs.txt").write_text(
        "I see a cat.\tನಾನು ಬೆಕ್ಕು ನೋಡುತ್ತೇನೆ.\nI see a dog.\tನಾನು ನಾಯಿ ನೋಡುತ್ತೇನೆ.\n", encoding="utf-8"
    )
    (folder / "test.en").write_text("A cat sees a bird.\n", encoding="utf-8")
    (folder / "test.kn").write_text("ಬೆಕ್ಕು ಹಕ್ಕಿ ನೋಡುತ್ತದೆ.\n", encoding="utf-8")
    return [
        {"kind": "tab", "path": "pairs.txt", "split": "train"},
        {"kind": "aligned", "src": "test.en", "tgt": "test.kn", "split": "test"},
    ]


def test_oov_rates_hand_computed():
    train = [["i", "see", "a", "cat", "."], ["i", "see", "a", "dog", "."]]
    test = [["a", "cat", "sees", "a", "bird", "."]]
    rates = oov_rates(train, test)
    assert rates["token_rate"] == pytest.approx(2 / 6)  # sees, bird of 6 tokens
    assert rates["type_rate"] == pytest.approx(2 / 5)  # of a, cat, sees, bird, .
    assert vocabulary_stats(train) == {"types": 6, "singletons": 2, "tokens": 10}


def test_explore_nmt_on_written_corpus(tmp_path):
    sources = write_corpus(tmp_path / "corpus")
    markdown = explore_nmt(sources, tmp_path / "corpus", tmp_path / "out")
    assert "| pairs.txt | 2 | 2 | train |" in markdown
    assert "| test.en | 1 | 1 | test |" in markdown
    assert "| train | 2 |" in markdown
    assert "| English | train | 2 | 4.0 | 4 | 4 | 4 |" in markdown  # "I see a cat." has 4 words
    assert "| English | 6 | 2 | 10 | 8 | 33.3% | 40.0% |" in markdown
    assert "| Kannada | 5 | 2 | 8 | 7 | 50.0% | 50.0% |" in markdown
    assert (tmp_path / "out" / "nmt.md").read_text() == markdown
    assert cv2.imread(str(tmp_path / "out" / "nmt_lengths.png")) is not None


def test_explore_nmt_command_on_shipped_corpora(tmp_path):
    result = CliRunner().invoke(explore_main, ["nmt", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    markdown = (tmp_path / "nmt.md").read_text()
    assert "| flores200/eng_Latn.dev | 997 | 997 | test |" in markdown
    assert "| test | 997 |" in markdown


def test_explore_nmt_missing_folder(tmp_path):
    result = CliRunner().invoke(explore_main, ["nmt", "--data-dir", str(tmp_path / "nowhere"), "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "nowhere" in result.stderr
    assert "not found" in result.stderr


def test_explore_nmt_rejects_a_fer_config(tmp_path):
    fer_config = REPO_ROOT / "configs" / "smoke.py"
    result = CliRunner().invoke(explore_main, ["nmt", "--config", str(fer_config), "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert f"Config file {fer_config} is a facial-expression config (task='fer')" in result.stderr
    assert "Train it with train_fer.py, or pass a translation config such as configs/nmt_base.py." in result.stderr
    assert not (tmp_path / "nmt.md").exists()


def test_explore_nmt_uses_config_data_block(tmp_path):
    sources = write_corpus(tmp_path / "corpus")
    config = tmp_path / "nmt_tiny.py"
    config.write_text(
        "import ml_collections\n\n\n"
        "def get_config():\n"
        "    config = ml_collections.ConfigDict()\n"
        "    config.task = 'nmt'\n"
        "    config.seed = 3\n"
        "    config.data = ml_collections.ConfigDict()\n"
        f"    config.data.sources = {sources[:1]!r}\n"
        "    config.data.val_fraction = 0.0\n"
        "    config.data.test_fraction = 0.0\n"
        "    config.data.max_words = 0\n"
        "    return config\n"
    )
    arguments = ["nmt", "--config", str(config), "--data-dir", str(tmp_path / "corpus"), "--out", str(tmp_path / "out")]
    result = CliRunner().invoke(explore_main, arguments)
    assert result.exit_code == 0, result.output
    markdown = (tmp_path / "out" / "nmt.md").read_text()
    assert "Split with seed 3" in markdown
    assert "| pairs.txt | 2 | 2 | train |" in markdown
    assert "test.en" not in markdown
    assert "| English | 6 | 2 | 10 | 6 | – | – |" in markdown  # no test split, so no OOV rate
