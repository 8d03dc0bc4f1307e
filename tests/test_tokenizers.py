"""Word and subword tokenizers: special ids, limits, round trips and the saved JSON form."""

from __future__ import annotations

import json

import pytest

from zoo.data import corpora
from zoo.errors import CheckpointError, ConfigError
from zoo.nmt import tokenizers as tk

ENGLISH = ["Tom woke up.", "Give me half.", "Tom is here.", "Tom, give it!"]
KANNADA = ["ಟಾಮ್ ಏಳಿದನು.", "ಅರ್ಧ ನನಗೆ ಕೊಡು.", "ಟಾಮ್ ಇಲ್ಲಿದ್ದಾನೆ.", "ಟಾಮ್, ಅದನ್ನು ಕೊಡು!"]


@pytest.fixture(scope="module")
def tatoeba_train():
    splits = corpora.load_corpus([{"kind": "tab", "path": "kan-eng/kan.txt"}], seed=0)
    return splits["train"]


def test_special_ids_are_fixed():
    assert tk.SPECIAL_TOKENS == ("<pad>", "<unk>", "<start>", "<end>")
    assert (tk.PAD, tk.UNK, tk.START, tk.END) == (0, 1, 2, 3)


def test_word_ids_follow_frequency():
    tok = tk.WordTokenizer.fit(ENGLISH, "en")
    assert tok.vocab[:4] == list(tk.SPECIAL_TOKENS)
    assert tok.vocab[4:6] == [".", "tom"]  # three times each, ties in alphabetical order
    assert tok.vocab[6] == "give"  # twice
    assert tok.encode("Tom woke up.") == [2, tok.ids["tom"], tok.ids["woke"], tok.ids["up"], tok.ids["."], 3]


def test_word_unknown_maps_to_unk():
    tok = tk.WordTokenizer.fit(ENGLISH, "en")
    assert tok.encode("Tom sleeps.", add_start_end=False) == [tok.ids["tom"], tk.UNK, tok.ids["."]]


def test_word_max_size_and_min_count():
    assert tk.WordTokenizer.fit(ENGLISH, "en", max_size=6).vocab == list(tk.SPECIAL_TOKENS) + [".", "tom"]
    frequent = tk.WordTokenizer.fit(ENGLISH, "en", min_count=2).vocab[4:]
    assert sorted(frequent) == sorted(["tom", ".", "give"])


@pytest.mark.parametrize("options", [{"max_size": 4}, {"min_count": 0}])
def test_word_bad_limits_are_config_errors(options):
    with pytest.raises(ConfigError):
        tk.WordTokenizer.fit(ENGLISH, "en", **options)


def test_kannada_words_round_trip():
    tok = tk.WordTokenizer.fit(KANNADA, "kn")
    for sentence in KANNADA:
        assert tok.decode(tok.encode(sentence)) == sentence
    assert "ಕೊಡು" in tok.ids  # vowel signs kept inside the word


def test_decode_stops_at_end_and_skips_padding():
    tok = tk.WordTokenizer.fit(KANNADA, "kn")
    ids = tok.encode("ಅರ್ಧ ನನಗೆ ಕೊಡು.") + [tok.ids["ಟಾಮ್"], 0, 0]
    assert tok.decode(ids) == "ಅರ್ಧ ನನಗೆ ಕೊಡು."
    assert tok.decode([0, 2, 0]) == ""


def test_word_json_round_trip():
    tok = tk.WordTokenizer.fit(ENGLISH, "en")
    again = tk.tokenizer_from_dict(json.loads(json.dumps(tok.to_dict())))
    assert isinstance(again, tk.WordTokenizer)
    assert again.vocab == tok.vocab
    assert again.encode("Give Tom half!") == tok.encode("Give Tom half!")


def test_subword_trains_on_kannada_and_round_trips(tatoeba_train):
    tok = tk.SubwordTokenizer.fit([kn for _, kn in tatoeba_train], "kn", vocab_size=200)
    assert 4 < tok.vocab_size <= 200
    for _, sentence in tatoeba_train[:20]:
        ids = tok.encode(sentence)
        assert ids[0] == tk.START
        assert ids[-1] == tk.END
        assert tk.UNK not in ids
        assert tok.decode(ids) == " ".join(sentence.split())


def test_unknown_words_are_the_ones_read_as_unk(tatoeba_train):
    word = tk.WordTokenizer.fit(ENGLISH, "en")
    assert word.unknown_words("Tom saw a Zebra, twice.") == ["saw", "a", "zebra", "twice"]
    assert word.unknown_words("Give me half.") == []
    # With full character coverage a subword model only lacks characters it never saw.
    subword = tk.SubwordTokenizer.fit([en for en, _ in tatoeba_train], "en", vocab_size=120)
    seen = set("".join(subword.tokenize(" ".join(en for en, _ in tatoeba_train))))
    unseen = next(ch for ch in "qxzjkvw" if ch not in seen)
    assert subword.unknown_words(f"Tom woke up {unseen}{unseen}.") == [unseen * 2]
    assert subword.unknown_words("Tom woke up.") == []


def test_subword_json_round_trip(tatoeba_train):
    tok = tk.fit_tokenizer("subword", [en for en, _ in tatoeba_train], "en", vocab_size=120)
    data = json.loads(json.dumps(tok.to_dict()))
    again = tk.tokenizer_from_dict(data)
    assert again.model_proto == tok.model_proto
    assert again.encode("Tom woke up.") == tok.encode("Tom woke up.")
    assert tok.decode(tok.encode("Tom woke up.")) == "tom woke up ."


def test_subword_fitting_is_deterministic(tatoeba_train):
    texts = [kn for _, kn in tatoeba_train]
    first = tk.SubwordTokenizer.fit(texts, "kn", vocab_size=150)
    second = tk.SubwordTokenizer.fit(texts, "kn", vocab_size=150)
    assert first.model_proto == second.model_proto


def test_unknown_kind_and_language_are_named():
    with pytest.raises(ConfigError, match="'bytes'"):
        tk.fit_tokenizer("bytes", ENGLISH, "en")
    with pytest.raises(ConfigError, match="'fr'"):
        tk.WordTokenizer.fit(ENGLISH, "fr")
    with pytest.raises(CheckpointError, match="'bytes'"):
        tk.tokenizer_from_dict({"kind": "bytes"})


def test_foreign_vocabulary_is_a_checkpoint_error():
    with pytest.raises(CheckpointError, match="<pad>"):
        tk.WordTokenizer(["a", "b", "c", "d"], "en")
