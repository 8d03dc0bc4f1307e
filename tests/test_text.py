"""Normalisation: English folded hard, Kannada composed (NFC) and otherwise untouched."""

from __future__ import annotations

import unicodedata

import pytest

from zoo.data import corpora
from zoo.errors import DataError
from zoo.nmt import text


def kannada_corpus_lines() -> list[str]:
    data_dir = corpora.default_data_dir()
    lines = [kn for _, kn in corpora.read_tab_file(data_dir / "kan-eng/kan.txt")]
    lines += corpora.read_lines(data_dir / "flores200/kan_Knda.dev")
    lines += corpora.read_lines(data_dir / "ntrex128/newstest2019-ref.kan.txt")
    return lines


def marks(line: str) -> int:
    return sum(unicodedata.category(ch) in ("Mn", "Mc") for ch in line)


def test_english_is_lowered_folded_and_punctuation_split():
    assert text.normalize_english("Café, NAÏVE fiancé!") == "cafe , naive fiance !"
    assert text.normalize_english("Don\u2019t stop (now).") == "don't stop ( now ) ."


def test_english_keeps_word_internal_joiners_and_numbers():
    assert text.normalize_english("A well-known 3.5% rise of 1,000.") == "a well-known 3.5 % rise of 1,000 ."


def test_kannada_corpus_lines_round_trip_under_nfc():
    lines = kannada_corpus_lines()
    assert len(lines) == 153 + 997 + 1997
    for line in lines:
        nfc = unicodedata.normalize("NFC", line)
        assert text.normalize_kannada(line) == nfc
        assert text.normalize_kannada(nfc) == nfc
        assert marks(text.normalize_kannada(line)) == marks(nfc)


def test_decomposed_vowel_signs_in_the_corpus_are_composed():
    lines = kannada_corpus_lines()
    changed = [line for line in lines if text.normalize_kannada(line) != line]
    # Ten FLORES and four NTREX lines spell vowel signs as two code points (e.g. E + length mark).
    assert len(changed) == 14
    assert "\u0cc7" in text.normalize_kannada("\u0c95\u0cc6\u0cd5")


def test_english_folding_would_destroy_kannada():
    word = "ಅರ್ಧ"  # a, ra, virama, dha: the virama is a combining mark
    assert text.fold_accents(word) != word
    assert text.normalize(word, "kn") == word


def test_kannada_words_keep_their_vowel_signs_when_split():
    assert text.split_punctuation("ಅರ್ಧ ನನಗೆ ಕೊಡು.") == ["ಅರ್ಧ", "ನನಗೆ", "ಕೊಡು", "."]
    assert text.split_punctuation("ಹೌದು।") == ["ಹೌದು", "।"]


def test_count_words_skips_punctuation():
    assert text.count_words("give me half .") == 3
    assert text.count_words("... !") == 0


def test_detokenize_attaches_punctuation():
    tokens = ["ಅರ್ಧ", "(", "ನನಗೆ", ")", "ಕೊಡು", ",", "ಈಗ", "."]
    assert text.detokenize(tokens) == "ಅರ್ಧ (ನನಗೆ) ಕೊಡು, ಈಗ."


def test_unknown_language_is_named():
    with pytest.raises(ValueError, match="'fr'"):
        text.normalize("bonjour", "fr")


def test_check_english_accepts_english_with_a_foreign_name():
    text.check_english("I met Ramesh (ರಮೇಶ್) yesterday in the city.")
    text.check_english("42")


@pytest.mark.parametrize(
    "sentence,script",
    [("ಅರ್ಧ ನನಗೆ ಕೊಡು.", "already in Kannada"), ("नमस्ते दुनिया", "Devanagari"), ("Привет мир", "Cyrillic")],
)
def test_check_english_rejects_other_scripts(sentence, script):
    with pytest.raises(DataError, match=script) as info:
        text.check_english(sentence)
    assert sentence in str(info.value)


def test_check_english_rejects_empty_input():
    with pytest.raises(DataError, match="empty"):
        text.check_english("   ")


def test_split_to_fit_prefers_coarse_boundaries():
    def fits(piece):
        return len(piece.split()) <= 5

    sentence = "Tom came home. Then he slept, and he dreamt of the sea (all night long)."
    assert text.split_to_fit("Tom came home.", fits) == (["Tom came home."], None)
    pieces, boundary = text.split_to_fit(sentence, fits)
    assert pieces == ["Tom came home.", "Then he slept,", "and he dreamt of the", "sea", "(all night long)."]
    assert boundary == "word"
    assert all(fits(piece) for piece in pieces)
    assert text.split_to_fit("One two three. Four five six.", lambda piece: len(piece.split()) <= 3) == (
        ["One two three.", "Four five six."], "sentence",
    )


def test_split_to_fit_rejoins_short_parts():
    pieces, boundary = text.split_to_fit("a, b, c, d e f g", lambda piece: len(piece) <= 8)
    assert pieces == ["a, b, c,", "d e f g"]
    assert boundary == "clause"


def test_split_to_fit_keeps_uncuttable_word():
    assert text.split_to_fit("abcdefghij", lambda piece: len(piece) <= 3) == (["abcdefghij"], None)
