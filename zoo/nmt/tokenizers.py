"""Word-level and SentencePiece subword tokenizers with a JSON-able form saved with checkpoints.

Both kinds share the special ids, so models and losses need not know which one is in use:

    0 <pad>   padding, masked out of losses and metrics
    1 <unk>   a token outside the vocabulary
    2 <start> first token of every encoded sentence
    3 <end>   last token of every encoded sentence

Text is normalised for its language before tokenizing (see `zoo.nmt.text`), so English input is
lower-cased and accent-folded, and Kannada input is composed (NFC).
"""

from __future__ import annotations

import base64
import io
from collections import Counter
from typing import Any, Iterable, Mapping, Sequence

from zoo.errors import CheckpointError, ConfigError, DataError
from zoo.nmt.text import detokenize, normalize, split_punctuation

PAD, UNK, START, END = 0, 1, 2, 3
SPECIAL_TOKENS = ("<pad>", "<unk>", "<start>", "<end>")
LANGUAGES = ("en", "kn")


def _check_lang(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ConfigError(f"tokenizer language {lang!r} is unknown; use 'en' (English) or 'kn' (Kannada)")
    return lang


def _strip_specials(ids: Iterable[int]) -> list[int]:
    """Return the ids before the first <end>, without padding and <start>."""
    content = []
    for i in ids:
        i = int(i)
        if i == END:
            break
        if i not in (PAD, START):
            content.append(i)
    return content


class WordTokenizer:
    """Whole-word vocabulary: punctuation marks are words of their own.

    Ids after the four special ones go to words by falling frequency in the fitting texts, ties
    broken alphabetically so that fitting is deterministic.
    """

    kind = "word"

    def __init__(self, vocab: Sequence[str], lang: str):
        if tuple(vocab[: len(SPECIAL_TOKENS)]) != SPECIAL_TOKENS:
            raise CheckpointError(
                f"word vocabulary starts with {list(vocab[:4])}, expected {list(SPECIAL_TOKENS)}; "
                "the vocabulary was not written by this tokenizer, so refit it"
            )
        if len(set(vocab)) != len(vocab):
            duplicates = sorted(word for word, n in Counter(vocab).items() if n > 1)
            raise CheckpointError(f"word vocabulary repeats {duplicates[:5]}; refit the tokenizer")
        self.lang = _check_lang(lang)
        self.vocab = list(vocab)
        self.ids = {word: i for i, word in enumerate(self.vocab)}

    @classmethod
    def fit(
        cls, texts: Iterable[str], lang: str, *, max_size: int | None = None, min_count: int = 1
    ) -> "WordTokenizer":
        """Build the vocabulary of `texts` (the training split only).

        `max_size` bounds the whole vocabulary, special tokens included. Words seen fewer than
        `min_count` times map to <unk>, which teaches the model what <unk> means.
        """
        if max_size is not None and max_size <= len(SPECIAL_TOKENS):
            raise ConfigError(
                f"word vocabulary max_size is {max_size}; it must exceed the {len(SPECIAL_TOKENS)} "
                "special tokens, e.g. 10000, or be None for no limit"
            )
        if min_count < 1:
            raise ConfigError(f"word vocabulary min_count is {min_count}; use 1 or more")
        _check_lang(lang)
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(split_punctuation(normalize(text, lang)))
        for special in SPECIAL_TOKENS:
            counts.pop(special, None)
        words = sorted((w for w, n in counts.items() if n >= min_count), key=lambda w: (-counts[w], w))
        if max_size is not None:
            words = words[: max_size - len(SPECIAL_TOKENS)]
        return cls(list(SPECIAL_TOKENS) + words, lang)

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    def tokenize(self, text: str) -> list[str]:
        """Normalise `text` and split it into words and punctuation marks."""
        return split_punctuation(normalize(text, self.lang))

    def encode(self, text: str, *, add_start_end: bool = True) -> list[int]:
        """Return the ids of `text`, framed by <start> and <end> unless `add_start_end` is false."""
        ids = [self.ids.get(word, UNK) for word in self.tokenize(text)]
        return [START, *ids, END] if add_start_end else ids

    def unknown_words(self, text: str) -> list[str]:
        """Return the normalised words of `text` that `encode` maps to <unk>, in order."""
        return [word for word in self.tokenize(text) if word not in self.ids]

    def decode(self, ids: Iterable[int]) -> str:
        """Return the text of `ids` up to the first <end>, with punctuation attached."""
        return detokenize([self.vocab[i] for i in _strip_specials(ids)])

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "lang": self.lang, "vocab": list(self.vocab)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "WordTokenizer":
        return cls(data["vocab"], data["lang"])


class SubwordTokenizer:
    """SentencePiece model (unigram or BPE) trained on normalised text, kept as bytes in memory.

    SentencePiece's own normalisation is switched off (rule "identity") because its default,
    NFKC, is a compatibility mapping. The text is normalised with `zoo.nmt.text` first instead.
    """

    kind = "subword"

    def __init__(self, model_proto: bytes, lang: str):
        import sentencepiece as spm

        self.lang = _check_lang(lang)
        self.model_proto = bytes(model_proto)
        self.processor = spm.SentencePieceProcessor(model_proto=self.model_proto)
        specials = tuple(self.processor.id_to_piece(i) for i in range(len(SPECIAL_TOKENS)))
        if specials != SPECIAL_TOKENS:
            raise CheckpointError(
                f"SentencePiece model has special pieces {list(specials)}, expected "
                f"{list(SPECIAL_TOKENS)}; train it with SubwordTokenizer.fit"
            )

    @classmethod
    def fit(
        cls,
        texts: Iterable[str],
        lang: str,
        *,
        vocab_size: int = 8000,
        model_type: str = "unigram",
        character_coverage: float = 1.0,
    ) -> "SubwordTokenizer":
        """Train SentencePiece on `texts` (the training split only).

        `vocab_size` is an upper bound: a small corpus yields fewer pieces rather than an error.
        Full character coverage keeps every Kannada sign seen in training out of <unk>.
        """
        import sentencepiece as spm

        _check_lang(lang)
        if model_type not in ("unigram", "bpe"):
            raise ConfigError(f"SentencePiece model_type {model_type!r} is unknown; use 'unigram' or 'bpe'")
        if vocab_size <= len(SPECIAL_TOKENS):
            raise ConfigError(f"subword vocab_size is {vocab_size}; use a larger size, e.g. 8000")
        lines = [line for line in (" ".join(normalize(t, lang).split()) for t in texts) if line]
        if not lines:
            raise DataError("no non-empty training sentences to train the subword tokenizer on")
        # Training from an iterator into memory leaves no files behind and keeps temporary paths
        # out of the model's recorded trainer options, so equal inputs give equal bytes.
        model = io.BytesIO()
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(lines),
            model_writer=model,
            vocab_size=vocab_size,
            model_type=model_type,
            character_coverage=character_coverage,
            normalization_rule_name="identity",
            hard_vocab_limit=False,
            pad_id=PAD,
            unk_id=UNK,
            bos_id=START,
            eos_id=END,
            pad_piece=SPECIAL_TOKENS[PAD],
            unk_piece=SPECIAL_TOKENS[UNK],
            bos_piece=SPECIAL_TOKENS[START],
            eos_piece=SPECIAL_TOKENS[END],
            # The corpora are small, and one thread rules out scheduling as a source of run-to-run differences.
            num_threads=1,
            minloglevel=2,
        )
        return cls(model.getvalue(), lang)

    @property
    def vocab_size(self) -> int:
        return self.processor.get_piece_size()

    def tokenize(self, text: str) -> list[str]:
        """Normalise `text` and split it into SentencePiece pieces."""
        return self.processor.encode(normalize(text, self.lang), out_type=str)

    def encode(self, text: str, *, add_start_end: bool = True) -> list[int]:
        """Return the ids of `text`, framed by <start> and <end> unless `add_start_end` is false."""
        ids = self.processor.encode(normalize(text, self.lang))
        return [START, *ids, END] if add_start_end else ids

    def unknown_words(self, text: str) -> list[str]:
        """Return the normalised words of `text` that hold a piece `encode` maps to <unk>, in order.

        With full character coverage only characters never seen in training become <unk>, so
        these are words with a letter or sign the training text lacked.
        """
        return [word for word in normalize(text, self.lang).split() if UNK in self.processor.encode(word)]

    def decode(self, ids: Iterable[int]) -> str:
        """Return the text of `ids` up to the first <end>."""
        return self.processor.decode(_strip_specials(ids))

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "lang": self.lang,
            "model_base64": base64.b64encode(self.model_proto).decode("ascii"),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "SubwordTokenizer":
        return cls(base64.b64decode(data["model_base64"]), data["lang"])


Tokenizer = WordTokenizer | SubwordTokenizer
TOKENIZER_KINDS = {"word": WordTokenizer, "subword": SubwordTokenizer}


def fit_tokenizer(kind: str, texts: Iterable[str], lang: str, **options: Any) -> Tokenizer:
    """Fit a tokenizer of `kind` ("word" or "subword") with its `fit` options."""
    if kind not in TOKENIZER_KINDS:
        raise ConfigError(f"tokenizer kind {kind!r} is unknown; use one of {', '.join(TOKENIZER_KINDS)}")
    return TOKENIZER_KINDS[kind].fit(texts, lang, **options)


def tokenizer_from_dict(data: Mapping[str, Any]) -> Tokenizer:
    """Rebuild a tokenizer from its `to_dict` form, e.g. as saved beside a checkpoint."""
    kind = data.get("kind")
    if kind not in TOKENIZER_KINDS:
        raise CheckpointError(
            f"saved tokenizer has kind {kind!r}, expected one of {', '.join(TOKENIZER_KINDS)}; "
            "the checkpoint was not written by this version of zoo"
        )
    return TOKENIZER_KINDS[kind].from_dict(data)
