"""Translate English sentences with a trained model and score translations with sacreBLEU.

Sentences are batched by length bucket and every batch is padded to a fixed number of rows,
so decoding compiles once per bucket whatever the number of sentences.
"""

from __future__ import annotations

import math
import unicodedata
from typing import Sequence

import numpy as np
from flax import nnx

from zoo.nmt.text import check_english
from zoo.nmt.tokenizers import END, PAD, Tokenizer

DEFAULT_BUCKETS = (16, 32, 64, 128)


@nnx.jit(static_argnames=("max_len", "beam_size"))
def _translate_batch(model, src_BS, alpha, *, max_len, beam_size):
    return model.translate(src_BS, max_len=max_len, beam_size=beam_size, alpha=alpha)


def translate_sentences(
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
) -> list[str]:
    """Return the Kannada translation of each English sentence, in order.

    Output may run to `length_ratio` times the source's bucket length. A source longer than the
    last bucket is cut to it (keeping its <end>). With `check_input`, a sentence that is not
    English raises `DataError` (see `zoo.nmt.text.check_english`).
    """
    if check_input:
        for sentence in sentences:
            check_english(sentence)
    longest = bucket_lengths[-1]
    encoded = []
    for sentence in sentences:
        ids = src_tokenizer.encode(sentence)
        encoded.append(ids if len(ids) <= longest else ids[: longest - 1] + [END])

    by_bucket: dict[int, list[int]] = {}
    for index, ids in enumerate(encoded):
        length = next(b for b in bucket_lengths if b >= len(ids))
        by_bucket.setdefault(length, []).append(index)

    translations = [""] * len(sentences)
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
