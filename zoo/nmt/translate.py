"""Translate English sentences with a trained model and score translations with sacreBLEU.

Sentences are batched by length bucket and every batch is padded to a fixed number of rows,
so decoding compiles once per bucket whatever the number of sentences. Sentences longer than
the model's longest bucket are translated in pieces.
"""

from __future__ import annotations

import dataclasses
import math
import unicodedata
from typing import Any, Sequence

import numpy as np
from flax import nnx

from zoo.nmt.text import check_english, normalize, split_punctuation, split_to_fit
from zoo.nmt.tokenizers import END, PAD, Tokenizer

DEFAULT_BUCKETS = (16, 32, 64, 128)


@nnx.jit(static_argnames=("max_len", "beam_size"))
def _translate_batch(model, src_BS, alpha, *, max_len, beam_size):
    return model.translate(src_BS, max_len=max_len, beam_size=beam_size, alpha=alpha)


@dataclasses.dataclass
class Translation:
    """One input sentence, its translation, and what was done to fit it to the model.

    `pieces` is how many parts the sentence was translated in (0 for a blank one) and
    `boundary` where it was cut ("sentence", "clause", "word" or None). `truncated` is true when a
    part with no space to cut at was shortened to `limit` tokens. `unknown_words` are the words
    the model read as <unk>, as written in `source`, one entry per occurrence.
    """

    source: str
    text: str
    source_tokens: int
    limit: int
    pieces: int = 1
    boundary: str | None = None
    truncated: bool = False
    unknown_words: list[str] = dataclasses.field(default_factory=list)

    def notes(self) -> list[str]:
        """Return one sentence for each way the input did not suit the model, naming the value and the fix."""
        notes = []
        if self.pieces > 1:
            notes.append(
                f"the sentence has {self.source_tokens} tokens, more than the {self.limit} the model was "
                f"trained on, so it was translated in {self.pieces} pieces cut at {self.boundary} boundaries. "
                "Give shorter sentences for a better translation"
            )
        if self.truncated:
            notes.append(
                f"a part of the sentence with no space to cut at is longer than {self.limit} tokens, so it "
                "was truncated and its end is not translated. Put spaces between its words"
            )
        if self.unknown_words:
            distinct = list(dict.fromkeys(self.unknown_words))
            count = len(self.unknown_words)
            repeats = f" ({len(distinct)} distinct)" if len(distinct) < count else ""
            notes.append(
                f"{count} word{'s' if count != 1 else ''}{repeats} not in the model's English vocabulary "
                f"{'were' if count != 1 else 'was'} read as <unk>: {', '.join(map(repr, distinct))}. "
                f"Check the spelling, or train on a corpus that contains {'them' if count != 1 else 'it'}"
            )
        return notes

    def to_dict(self) -> dict[str, Any]:
        return {
            "english": self.source,
            "kannada": self.text,
            "pieces": self.pieces,
            "truncated": self.truncated,
            "unknown_words": list(self.unknown_words),
        }


def unknown_source_words(tokenizer: Tokenizer, sentence: str) -> list[str]:
    """Return the words of `sentence` that `tokenizer` reads as <unk>, as written there, in order.

    The tokenizer reports normalised words, and English normalisation drops combining marks, so
    a Kannada word such as ನಮಸ್ಕಾರ would be shown without its virama. Each whitespace-separated
    word is therefore checked on its own and reported from the input, split off its punctuation
    where that split matches the tokenizer's, else whole.
    """
    unknown = []
    for word in sentence.split():
        if not tokenizer.unknown_words(word):
            continue
        parts = split_punctuation(word)
        if [normalize(part, tokenizer.lang) for part in parts] == normalize(word, tokenizer.lang).split():
            unknown.extend(part for part in parts if tokenizer.unknown_words(part))
        else:
            unknown.append(word)
    return unknown


def _decode_all(
    model: nnx.Module,
    tgt_tokenizer: Tokenizer,
    encoded: Sequence[list[int]],
    *,
    beam_size: int,
    alpha: float,
    length_ratio: float,
    batch_size: int,
    bucket_lengths: Sequence[int],
) -> list[str]:
    """Translate source id lists that each fit the last bucket; return the Kannada texts in order."""
    by_bucket: dict[int, list[int]] = {}
    for index, ids in enumerate(encoded):
        length = next(b for b in bucket_lengths if b >= len(ids))
        by_bucket.setdefault(length, []).append(index)

    translations = [""] * len(encoded)
    for length, indices in sorted(by_bucket.items()):
        max_len = int(math.ceil(length_ratio * length))
        for start in range(0, len(indices), batch_size):
            chunk = indices[start : start + batch_size]
            src = np.full((batch_size, length), PAD, np.int32)
            for row, index in enumerate(chunk):
                src[row, : len(encoded[index])] = encoded[index]
            ids = np.asarray(_translate_batch(model, src, alpha, max_len=max_len, beam_size=beam_size))
            for row, index in enumerate(chunk):
                translations[index] = tgt_tokenizer.decode(ids[row])
    return translations


def translate_detailed(
    model: nnx.Module,
    src_tokenizer: Tokenizer,
    tgt_tokenizer: Tokenizer,
    sentences: Sequence[str],
    *,
    beam_size: int = 1,
    alpha: float = 0.6,
    length_ratio: float = 2.0,
    batch_size: int = 64,
    bucket_lengths: Sequence[int] = DEFAULT_BUCKETS,
    check_input: bool = False,
) -> list[Translation]:
    """Translate each English sentence; return a `Translation` per sentence, in order.

    A sentence longer than the last bucket (the longest input the model was trained on) is cut
    into pieces at sentence, clause or word boundaries (`zoo.nmt.text.split_to_fit`), each
    translated on its own, and the translations are joined with spaces. A piece that still does
    not fit is cut to the bucket length, keeping its <end>. A blank sentence translates to "".
    Output may run to `length_ratio` times the source's bucket length. With `check_input`, a
    sentence that is not English raises `DataError` (see `zoo.nmt.text.check_english`).
    """
    if check_input:
        for sentence in sentences:
            check_english(sentence)
    longest = bucket_lengths[-1]

    def fits(piece: str) -> bool:
        return len(src_tokenizer.encode(piece)) <= longest

    results, encoded, owners = [], [], []
    for index, sentence in enumerate(sentences):
        if not sentence.strip():
            results.append(Translation(sentence, "", 0, longest, pieces=0))
            continue
        pieces, boundary = split_to_fit(sentence, fits)
        truncated = False
        for piece in pieces:
            ids = src_tokenizer.encode(piece)
            if len(ids) > longest:
                ids, truncated = ids[: longest - 1] + [END], True
            encoded.append(ids)
            owners.append(index)
        results.append(Translation(
            sentence, "", len(src_tokenizer.encode(sentence)), longest, pieces=len(pieces), boundary=boundary,
            truncated=truncated, unknown_words=unknown_source_words(src_tokenizer, sentence),
        ))

    texts = _decode_all(
        model, tgt_tokenizer, encoded, beam_size=beam_size, alpha=alpha, length_ratio=length_ratio,
        batch_size=batch_size, bucket_lengths=bucket_lengths,
    )
    parts: dict[int, list[str]] = {}
    for owner, text in zip(owners, texts):
        parts.setdefault(owner, []).append(text)
    for index, texts_of_sentence in parts.items():
        results[index].text = " ".join(text for text in texts_of_sentence if text)
    return results


def translate_sentences(
    model: nnx.Module,
    src_tokenizer: Tokenizer,
    tgt_tokenizer: Tokenizer,
    sentences: Sequence[str],
    **options: Any,
) -> list[str]:
    """Return the Kannada translation of each English sentence, in order (see `translate_detailed`)."""
    return [result.text for result in translate_detailed(model, src_tokenizer, tgt_tokenizer, sentences, **options)]


def score_translations(hypotheses: Sequence[str], references: Sequence[str]) -> dict[str, float | str]:
    """Return corpus BLEU and chrF++ of `hypotheses` against one reference each.

    chrF++ counts character n-grams, so it credits a partly right Kannada word (a right stem with a
    wrong suffix), which BLEU's whole-word matches do not. Both use sacreBLEU's defaults, and their
    signatures are returned so that numbers can be compared across runs.
    """
    from sacrebleu.metrics import BLEU, CHRF

    if len(hypotheses) != len(references):
        raise ValueError(f"{len(hypotheses)} hypotheses but {len(references)} references; give one reference per hypothesis")
    # Composed forms on both sides, so that a decomposed vowel sign in a reference is no mismatch.
    hypotheses = [unicodedata.normalize("NFC", text) for text in hypotheses]
    references = [unicodedata.normalize("NFC", text) for text in references]
    bleu, chrf = BLEU(), CHRF(word_order=2)
    bleu_score = bleu.corpus_score(hypotheses, [references])
    chrf_score = chrf.corpus_score(hypotheses, [references])
    return {
        "bleu": round(bleu_score.score, 2),
        "chrf": round(chrf_score.score, 2),
        "bleu_signature": str(bleu.get_signature()),
        "chrf_signature": str(chrf.get_signature()),
    }
