"""Corpus readers, cleaning and splitting, on small written files and on the shipped corpora."""

from __future__ import annotations

from pathlib import Path

import pytest

from zoo.data import corpora
from zoo.errors import ConfigError, DataError

TAB_SOURCE = {"kind": "tab", "path": "kan-eng/kan.txt"}
FLORES_SOURCE = {"kind": "aligned", "src": "flores200/eng_Latn.dev", "tgt": "flores200/kan_Knda.dev"}
NTREX_SOURCE = {
    "kind": "aligned",
    "src": "ntrex128/newstest2019-src.eng.txt",
    "tgt": "ntrex128/newstest2019-ref.kan.txt",
}


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, str):
        text = text.encode("utf-8")
    path.write_bytes(text)
    return path


def test_tab_file_two_and_three_columns(tmp_path):
    path = write(tmp_path / "pairs.txt", "Hi.\tನಮಸ್ಕಾರ.\tCC-BY 2.0 (France)\nGo.\tಹೋಗು.\n\n")
    assert corpora.read_tab_file(path) == [("Hi.", "ನಮಸ್ಕಾರ."), ("Go.", "ಹೋಗು.")]


def test_tab_file_with_one_column_names_the_line(tmp_path):
    path = write(tmp_path / "pairs.txt", "Hi.\tನಮಸ್ಕಾರ.\nno tab here\n")
    with pytest.raises(DataError, match=r"pairs\.txt:2: expected 2 or 3 tab-separated columns"):
        corpora.read_tab_file(path)


def test_crlf_and_byte_order_mark_are_removed(tmp_path):
    path = write(tmp_path / "pairs.txt", b"\xef\xbb\xbfHi.\t\xe0\xb2\xb9\r\n")
    assert corpora.read_tab_file(path) == [("Hi.", "ಹ")]


def test_non_utf8_names_file_and_line(tmp_path):
    path = write(tmp_path / "train.kn", "ಒಂದು\nಎರಡು\n".encode() + b"caf\xe9\n")
    with pytest.raises(DataError, match=r"train\.kn:3: invalid UTF-8"):
        corpora.read_lines(path)


def test_missing_file_names_the_path(tmp_path):
    missing = tmp_path / "nowhere" / "kan.txt"
    with pytest.raises(DataError, match="nowhere/kan.txt"):
        corpora.read_tab_file(missing)


def test_aligned_files_pair_lines(tmp_path):
    src = write(tmp_path / "train.en", "one\ntwo\n")
    tgt = write(tmp_path / "train.kn", "ಒಂದು\nಎರಡು\n")
    assert corpora.read_aligned_files(src, tgt) == [("one", "ಒಂದು"), ("two", "ಎರಡು")]


def test_aligned_length_mismatch_message(tmp_path):
    src = write(tmp_path / "train.en", "one\ntwo\nthree\n")
    tgt = write(tmp_path / "train.kn", "ಒಂದು\nಎರಡು\n")
    with pytest.raises(DataError) as info:
        corpora.read_aligned_files(src, tgt)
    message = str(info.value)
    assert "3 lines" in message
    assert "has 2" in message
    assert str(src) in message
    assert str(tgt) in message


def test_line_separator_keeps_alignment(tmp_path):
    src = write(tmp_path / "a.en", "one\u2028more\ntwo\n")
    tgt = write(tmp_path / "a.kn", "ಒಂದು\nಎರಡು\n")
    assert corpora.read_aligned_files(src, tgt)[1] == ("two", "ಎರಡು")


def test_clean_drops_empty_sides_and_repeats():
    pairs = [("Hi.", "ನಮಸ್ಕಾರ."), (" Hi. ", "ನಮಸ್ಕಾರ. "), ("", "ಹೋಗು"), ("Go.", "  "), ("Go.", "ಹೋಗು.")]
    assert corpora.clean_pairs(pairs) == [("Hi.", "ನಮಸ್ಕಾರ."), ("Go.", "ಹೋಗು.")]


def test_max_words_counts_english_words_not_punctuation():
    pairs = [("Give me half.", "a"), ("I think that went very well.", "b"), ("Tom, go!", "c")]
    assert corpora.filter_max_words(pairs, 3) == [pairs[0], pairs[2]]
    assert corpora.filter_max_words(pairs, None) == pairs


def make_pairs(n: int) -> list[tuple[str, str]]:
    return [(f"sentence number {i}", f"ವಾಕ್ಯ {i}") for i in range(n)]


def test_split_is_deterministic_disjoint_and_sized():
    pairs = make_pairs(200)
    first = corpora.split_pairs(pairs, 0.1, 0.2, seed=3)
    again = corpora.split_pairs(pairs, 0.1, 0.2, seed=3)
    other = corpora.split_pairs(pairs, 0.1, 0.2, seed=4)
    assert first == again
    assert first["test"] != other["test"]
    assert [len(first[name]) for name in corpora.SPLITS] == [140, 20, 40]
    assert sorted(sum(first.values(), [])) == sorted(pairs)


def test_split_keeps_translations_of_one_sentence_together():
    pairs = make_pairs(50) + [("Sentence Number 7", "ಇನ್ನೊಂದು ಅನುವಾದ")]
    for seed in range(5):
        splits = corpora.split_pairs(pairs, 0.2, 0.2, seed=seed)
        homes = {name for name in corpora.SPLITS for en, _ in splits[name] if en.lower() == "sentence number 7"}
        assert len(homes) == 1


@pytest.mark.parametrize("val,test", [(0.6, 0.5), (-0.1, 0.1), (0.1, 1.0)])
def test_bad_fractions_are_config_errors(val, test):
    with pytest.raises(ConfigError, match="fraction"):
        corpora.split_pairs(make_pairs(10), val, test, seed=0)


def test_unknown_source_kind_lists_the_kinds(tmp_path):
    with pytest.raises(ConfigError, match="kind 'csv'; use one of tab, aligned"):
        corpora.read_source({"kind": "csv", "path": "x"}, tmp_path)
    with pytest.raises(ConfigError, match="lacks tgt"):
        corpora.read_source({"kind": "aligned", "src": "x"}, tmp_path)


def test_missing_data_dir_is_named(tmp_path):
    with pytest.raises(DataError, match="data folder .*absent"):
        corpora.load_corpus([TAB_SOURCE], tmp_path / "absent")


def test_shipped_corpora_have_the_documented_sizes():
    data_dir = corpora.default_data_dir()
    assert len(corpora.read_source(TAB_SOURCE, data_dir)) == 153
    assert len(corpora.read_source(FLORES_SOURCE, data_dir)) == 997
    assert len(corpora.read_source(NTREX_SOURCE, data_dir)) == 1997
    for folder in ("kan-eng", "flores200", "ntrex128"):
        assert "License" in (data_dir / folder / "README.md").read_text(encoding="utf-8")


def test_pinned_source_stays_whole_and_out_of_training(tmp_path):
    write(tmp_path / "pool.txt", "".join(f"line {i}\tಸಾಲು {i}\n" for i in range(40)))
    write(tmp_path / "bench.en", "line 3\nbenchmark only\n")
    write(tmp_path / "bench.kn", "ಸಾಲು 3\nಪರೀಕ್ಷೆ\n")
    sources = [
        {"kind": "tab", "path": "pool.txt"},
        {"kind": "aligned", "src": "bench.en", "tgt": "bench.kn", "split": "test"},
    ]
    splits = corpora.load_corpus(sources, tmp_path, val_fraction=0.1, test_fraction=0.0, seed=0)
    assert splits["test"] == [("line 3", "ಸಾಲು 3"), ("benchmark only", "ಪರೀಕ್ಷೆ")]
    assert all(en != "line 3" for en, _ in splits["train"] + splits["val"])
    assert len(splits["train"]) + len(splits["val"]) == 39


def test_load_corpus_on_shipped_data_with_max_words():
    splits = corpora.load_corpus([TAB_SOURCE], max_words=5, seed=0)
    everything = sum(splits.values(), [])
    assert 40 < len(everything) < 153
    assert all(len(en.split()) <= 5 for en, _ in everything)
