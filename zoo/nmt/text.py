"""Text normalisation for English→Kannada translation.

English and Kannada need opposite treatment. English is folded hard (lower case, accents
removed, punctuation split off) so that the small corpora give dense word counts.

Kannada is an abugida whose vowel signs and virama are combining characters (Unicode categories
Mn/Mc). The accent-stripping step of English tutorials deletes them and turns words into bare
consonants. Kannada therefore only gets canonical composition (NFC), which merges the decomposed
vowel signs that some corpora contain without changing what is written.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from typing import Callable

from zoo.errors import DataError

# Curly quotes fold to their ASCII forms so that "don’t" and "don't" are one word.
_QUOTE_FOLD = str.maketrans({"\u2018": "'", "\u2019": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"'})

# Characters that may join two word characters without splitting them ("don't", "well-known",
# "3.5", "1,000"); anywhere else they are punctuation tokens.
_JOINERS = {"'", "-", "\u2010", "\u2011"}
_NUMBER_JOINERS = {".", ",", ":"}

# Tokens that attach to the word before them when detokenising.
_CLOSING = set(".,!?:;)]}%\u0964\u0965\u2019\u201d")
_OPENING = set("([{\u2018\u201c")


def _is_word_char(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "LMN"


def _is_punctuation(ch: str) -> bool:
    return unicodedata.category(ch)[0] in "PS"


def split_punctuation(text: str) -> list[str]:
    """Split `text` on whitespace and cut punctuation and symbols off as their own tokens.

    Works for both languages because word characters are decided by Unicode category: letters
    (L*), marks (M*, which keeps Kannada vowel signs inside their word) and numbers (N*).
    Apostrophes and hyphens between two word characters stay inside the word, as do `.`, `,`
    and `:` between two digits.
    """
    tokens: list[str] = []
    for word in text.split():
        start = 0
        for i, ch in enumerate(word):
            if not _is_punctuation(ch):
                continue
            inside = 0 < i < len(word) - 1
            if inside and ch in _JOINERS and _is_word_char(word[i - 1]) and _is_word_char(word[i + 1]):
                continue
            if inside and ch in _NUMBER_JOINERS and word[i - 1].isdigit() and word[i + 1].isdigit():
                continue
            if start < i:
                tokens.append(word[start:i])
            tokens.append(ch)
            start = i + 1
        if start < len(word):
            tokens.append(word[start:])
    return tokens


def fold_accents(text: str) -> str:
    """Decompose `text` (NFKD) and drop nonspacing marks: "café" becomes "cafe".

    Only for Latin-script English: applied to Kannada it deletes vowel signs and the virama.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")


def normalize_english(text: str) -> str:
    """Lower-case, fold accents and quotes, and separate punctuation by single spaces."""
    folded = fold_accents(text).lower().translate(_QUOTE_FOLD)
    return " ".join(split_punctuation(folded))


def normalize_kannada(text: str) -> str:
    """Return `text` in canonical composed form (NFC) and nothing else.

    Combining marks are part of Kannada letters, so nothing is stripped or folded; whitespace
    is left for the tokenizer to handle.
    """
    return unicodedata.normalize("NFC", text)


def normalize(text: str, lang: str) -> str:
    """Normalise `text` for language `lang` ("en" or "kn")."""
    if lang == "en":
        return normalize_english(text)
    if lang == "kn":
        return normalize_kannada(text)
    raise ValueError(f"unknown language {lang!r}: use 'en' for English or 'kn' for Kannada")


def count_words(text: str) -> int:
    """Number of tokens of `text` that are not punctuation or symbols alone."""
    return sum(1 for tok in split_punctuation(text) if not all(_is_punctuation(ch) for ch in tok))


def detokenize(tokens: list[str]) -> str:
    """Join word-level tokens with spaces, attaching closing punctuation to the word before it
    and opening brackets to the word after."""
    out: list[str] = []
    glue_next = False
    for tok in tokens:
        if out and not glue_next and tok not in _CLOSING:
            out.append(" ")
        out.append(tok)
        glue_next = tok in _OPENING
    return "".join(out)


def letter_scripts(text: str) -> Counter[str]:
    """Count the letters of `text` by script.

    The script is the first word of the letter's Unicode name: LATIN, KANNADA, DEVANAGARI, CJK
    and so on. Marks, digits and punctuation are not counted.
    """
    scripts: Counter[str] = Counter()
    for ch in text:
        if unicodedata.category(ch)[0] == "L":
            scripts[unicodedata.name(ch, "UNKNOWN").split()[0]] += 1
    return scripts


def check_english(text: str) -> None:
    """Raise `DataError` unless `text` looks like English input for the translator.

    Rejects empty input and input whose letters are mostly in a non-Latin script, naming the
    script: Kannada input most often means the user pasted a translation the wrong way round.
    """
    if not text.strip():
        raise DataError(f"the input {text!r} is empty or only whitespace; give an English sentence to translate")
    scripts = letter_scripts(text)
    if not scripts:
        return
    script, count = scripts.most_common(1)[0]
    if script == "LATIN" or scripts["LATIN"] >= count:
        return
    if script == "KANNADA":
        raise DataError(
            f"the input {text!r} is already in Kannada script; this model translates English into "
            "Kannada, so give it an English sentence"
        )
    raise DataError(
        f"the input {text!r} is written mostly in {script.title()} script; this model translates "
        "English into Kannada, so give it an English sentence in Latin letters"
    )


# Places where an over-long input may be cut, coarsest first. The punctuation stays with the text
# before the cut, so each piece reads like the training sentences (which end in their own ".").
_BOUNDARIES = (
    ("sentence", re.compile(r"(?<=[.!?\u2026\u0964])\s+")),
    ("clause", re.compile(r"(?<=[,;:\u2013\u2014)\]])\s+|\s+(?=[(\[\u2013\u2014])")),
    ("word", re.compile(r"\s+")),
)


def split_to_fit(text: str, fits: Callable[[str], bool], _level: int = 0) -> tuple[list[str], str | None]:
    """Cut `text` into consecutive pieces for which `fits(piece)` holds, at the coarsest boundaries possible.

    Sentence ends are tried first, then clause punctuation (commas, semicolons, colons, dashes,
    brackets), then spaces between words. Neighbouring parts are joined again while they fit, so
    the pieces are as few and as long as possible. Returns the pieces and the finest kind of
    boundary cut at ("sentence", "clause" or "word"), or None when `text` was not cut. A single
    word that does not fit comes back as it is, for the caller to truncate.
    """
    text = text.strip()
    if _level == len(_BOUNDARIES) or fits(text):
        return [text], None
    kind, pattern = _BOUNDARIES[_level]
    parts = [part for part in pattern.split(text) if part]
    if len(parts) == 1:
        return split_to_fit(text, fits, _level + 1)
    merged: list[str] = []
    for part in parts:
        if merged and fits(f"{merged[-1]} {part}"):
            merged[-1] = f"{merged[-1]} {part}"
        else:
            merged.append(part)
    pieces: list[str] = []
    finest = kind
    for piece in merged:
        sub_pieces, sub_kind = split_to_fit(piece, fits, _level + 1)
        pieces.extend(sub_pieces)
        finest = sub_kind or finest  # a deeper level is always a finer boundary
    return pieces, finest
