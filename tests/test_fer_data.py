import csv

import cv2
import numpy as np
import pytest

from zoo.data.fer import CSV_LABEL_TO_ID, EMOTIONS, USAGE_PRIVATE_TEST, decode_gray48, find_fer_source, load_fer
from zoo.data.paths import resolve_data_dir
from zoo.data.splits import fer_splits, stratified_indices
from zoo.errors import ConfigError, DataError

# The CSV's class order, as documented with fer2013.csv.
CSV_NAMES = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]


def write_csv_from(data, path):
    """Write `data` in the fer2013.csv format, converting label ids back to the CSV's numbering."""
    id_to_csv = {int(folder_id): csv_id for csv_id, folder_id in enumerate(CSV_LABEL_TO_ID)}
    usage_names = {0: "Training", 1: "PublicTest", 2: "PrivateTest"}
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["emotion", "pixels", "Usage"])
        for image, label, usage in zip(data.images, data.labels, data.usage):
            writer.writerow([id_to_csv[int(label)], " ".join(map(str, image.ravel())), usage_names[int(usage)]])


def test_label_mapping_matches_csv_names():
    for csv_id, name in enumerate(CSV_NAMES):
        assert EMOTIONS[CSV_LABEL_TO_ID[csv_id]] == name


def test_folder_and_csv_loaders_agree(small_fer, tmp_path):
    folder = load_fer(small_fer)
    csv_path = tmp_path / "fer2013.csv"
    write_csv_from(folder, csv_path)
    from_csv = load_fer(csv_path)
    np.testing.assert_array_equal(folder.images, from_csv.images)
    np.testing.assert_array_equal(folder.labels, from_csv.labels)
    np.testing.assert_array_equal(folder.usage, from_csv.usage)


def test_folder_loader_reads_labels_and_halves(small_fer):
    data = load_fer(small_fer)
    assert data.images.shape == (7 * 9, 48, 48)
    assert data.images.dtype == np.uint8
    assert np.bincount(data.labels).tolist() == [9] * 7
    assert np.bincount(data.usage).tolist() == [21, 21, 21]
    first_private = data.names[int(np.flatnonzero(data.usage == USAGE_PRIVATE_TEST)[0])]
    assert "PrivateTest_" in first_private


def test_cache_returns_same_arrays(small_fer):
    first = load_fer(small_fer)
    second = load_fer(small_fer)
    np.testing.assert_array_equal(first.images, second.images)
    assert first.names == second.names


def test_splits_use_official_halves(small_fer):
    splits = fer_splits(load_fer(small_fer))
    assert {name: len(labels) for name, (_, labels) in splits.items()} == {
        "train": 21, "val": 21, "test": 21, "test_all": 42,
    }


def test_train_slice_validation_is_stratified(small_fer):
    splits = fer_splits(load_fer(small_fer), validation="train_slice", val_fraction=0.34)
    assert np.bincount(splits["val"][1]).tolist() == [1] * 7
    assert len(splits["train"][1]) == 14


def test_stratified_subset_keeps_every_class():
    labels = np.repeat(np.arange(7), [100, 5, 100, 200, 100, 100, 80])
    kept = stratified_indices(labels, 0.1, seed=0)
    assert np.bincount(labels[kept]).tolist() == [10, 1, 10, 20, 10, 10, 8]


def test_colour_and_large_images_are_converted(small_fer):
    target = small_fer / "train" / "happy" / "Training_colour.png"
    cv2.imwrite(str(target), np.full((96, 120, 3), 200, np.uint8))
    data = load_fer(small_fer)
    assert data.converted == 1
    assert data.images.shape[1:] == (48, 48)


def test_missing_data_folder_message(tmp_path):
    with pytest.raises(DataError, match=r"does not exist.*--data-dir or the environment variable ZOO_DATA_DIR"):
        find_fer_source(tmp_path / "nowhere")


def test_default_data_folder_message_reads_plainly(monkeypatch, tmp_path):
    monkeypatch.delenv("ZOO_DATA_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DataError) as raised:
        find_fer_source(*resolve_data_dir(None))
    message = str(raised.value)
    assert message.startswith(
        "Data folder data does not exist; the path came from the default ./data, because neither "
        "--data-dir nor ZOO_DATA_DIR is set."
    )
    assert "(neither" not in message


def test_folder_without_fer_names_paths_looked_at(tmp_path):
    with pytest.raises(DataError, match=r"FER-2013 not found under .*fer2013\.csv"):
        find_fer_source(tmp_path)


def test_data_dir_falls_back_to_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("ZOO_DATA_DIR", str(tmp_path))
    assert resolve_data_dir(None)[0] == tmp_path
    assert resolve_data_dir("elsewhere")[0].name == "elsewhere"
    monkeypatch.delenv("ZOO_DATA_DIR")
    assert resolve_data_dir(None)[0].name == "data"


def test_unknown_class_folder_message(small_fer):
    (small_fer / "train" / "contempt").mkdir()
    with pytest.raises(DataError, match=r"Unknown class folder\(s\) \['contempt'\]"):
        load_fer(small_fer)


def test_empty_class_folder_message(small_fer):
    for image in (small_fer / "test" / "fear").iterdir():
        image.unlink()
    with pytest.raises(DataError, match=r"fear contains no images"):
        load_fer(small_fer)


def test_corrupt_image_is_named(small_fer):
    (small_fer / "train" / "sad" / "Training_broken.jpg").write_bytes(b"not a jpeg")
    with pytest.raises(DataError, match=r"Training_broken\.jpg.*data\.skip_corrupt=True"):
        load_fer(small_fer)


def test_corrupt_image_skipped_and_counted(small_fer):
    (small_fer / "train" / "sad" / "Training_broken.jpg").write_bytes(b"not a jpeg")
    data = load_fer(small_fer, skip_corrupt=True)
    assert data.skipped == 1
    assert len(data.labels) == 63


def test_empty_buffer_decodes_to_none():
    assert decode_gray48(np.zeros(0, np.uint8)) == (None, False)


def test_empty_image_file_is_named(small_fer):
    (small_fer / "train" / "sad" / "Training_empty.jpg").write_bytes(b"")
    with pytest.raises(DataError, match=r"Training_empty\.jpg.*data\.skip_corrupt=True"):
        load_fer(small_fer)


def test_empty_image_file_skipped_and_counted(small_fer):
    (small_fer / "train" / "sad" / "Training_empty.jpg").write_bytes(b"")
    data = load_fer(small_fer, skip_corrupt=True)
    assert data.skipped == 1
    assert len(data.labels) == 63


def test_cache_dir_that_is_a_file_is_rejected(small_fer, tmp_path, monkeypatch):
    not_a_folder = tmp_path / "cache.txt"
    not_a_folder.write_text("")
    monkeypatch.setenv("ZOO_CACHE_DIR", str(not_a_folder))
    with pytest.raises(DataError, match=r"cache folder .*cache\.txt, from the environment variable ZOO_CACHE_DIR, "
                                        r"is a file, not a folder\. Set ZOO_CACHE_DIR to a folder"):
        load_fer(small_fer)
    assert len(load_fer(small_fer, use_cache=False).labels) == 63


@pytest.mark.parametrize(
    "row, message",
    [
        (["9", " ".join(["0"] * 2304), "Training"], r"row 3: emotion '9'"),
        (["1", "1 2 3", "Training"], r"row 3: pixels must be 2304 integers"),
        (["1", " ".join(["x"] * 2304), "Training"], r"row 3: pixels contain a value"),
        (["1", " ".join(["0"] * 2304), "Holdout"], r"row 3: Usage 'Holdout'"),
        (["1", "0"], r"row 3 has 2 fields"),
    ],
)
def test_csv_bad_row_names_row_number(tmp_path, row, message):
    path = tmp_path / "fer2013.csv"
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["emotion", "pixels", "Usage"])
        writer.writerow(["0", " ".join(["7"] * 2304), "Training"])
        writer.writerow(row)
    with pytest.raises(DataError, match=message):
        load_fer(path, use_cache=False)


def test_subset_out_of_range_is_rejected(small_fer):
    with pytest.raises(ConfigError, match=r"data\.subset=0"):
        fer_splits(load_fer(small_fer), subset=0)
