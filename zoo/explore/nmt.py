"""English–Kannada corpus exploration: pair counts, sentence lengths, vocabularies and test OOV rates.

Words are the tokens of the project's word tokenizer (`WordTokenizer.tokenize`: normalised
text split into words and punctuation marks). Sentence lengths count words without punctuation
(`zoo.nmt.text.count_words`). Vocabularies and out-of-vocabulary (OOV) rates are computed on
the same splits `zoo.data.corpora.load_corpus` gives the training script.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any, Mapping, Sequence

import matplotlib

matplotlib.use("Agg")  # headless servers have no display
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from zoo.data.corpora import SPLITS, Pair, clean_pairs, default_data_dir, load_corpus, read_source  # noqa: E402
from zoo.nmt.text import count_words, normalize  # noqa: E402
from zoo.nmt.tokenizers import SPECIAL_TOKENS, WordTokenizer  # noqa: E402

LANGUAGES = {"en": "English", "kn": "Kannada"}

# The corpora shipped in zoo/corpora/. FLORES-200 dev is kept whole as the test set, because it
# is the usual English→Kannada benchmark family; the others are split at random.
DEFAULT_SOURCES = [
    {"kind": "tab", "path": "kan-eng/kan.txt"},
    {"kind": "aligned", "src": "ntrex128/newstest2019-src.eng.txt", "tgt": "ntrex128/newstest2019-ref.kan.txt"},
    {"kind": "aligned", "src": "flores200/eng_Latn.dev", "tgt": "flores200/kan_Knda.dev", "split": "test"},
]


def source_name(source: Mapping[str, Any]) -> str:
    """Return a short label for a corpus source: its file path, or its source file for aligned pairs."""
    return source.get("path") or source.get("src", "?")


def side(pairs: Sequence[Pair], lang: str) -> list[str]:
    """Return the English (`en`) or Kannada (`kn`) sentences of `pairs`."""
    return [pair[0] if lang == "en" else pair[1] for pair in pairs]


def tokenize_all(texts: Sequence[str], lang: str) -> list[list[str]]:
    """Return the word-tokenizer tokens of every text."""
    tokenizer = WordTokenizer(list(SPECIAL_TOKENS), lang)  # tokenizing needs the language, not a vocabulary
    return [tokenizer.tokenize(text) for text in texts]


def oov_rates(train_tokens: list[list[str]], test_tokens: list[list[str]]) -> dict[str, float]:
    """Return the share of test tokens and of distinct test words that never occur in train."""
    vocabulary = {token for sentence in train_tokens for token in sentence}
    test_counts = Counter(token for sentence in test_tokens for token in sentence)
    if not test_counts:
        return {"token_rate": float("nan"), "type_rate": float("nan"), "test_tokens": 0, "test_types": 0}
    unseen = {token: count for token, count in test_counts.items() if token not in vocabulary}
    return {
        "token_rate": sum(unseen.values()) / sum(test_counts.values()),
        "type_rate": len(unseen) / len(test_counts),
        "test_tokens": sum(test_counts.values()),
        "test_types": len(test_counts),
    }


def vocabulary_stats(tokens: list[list[str]]) -> dict[str, int]:
    """Return the number of distinct words, of words seen once, and of tokens."""
    counts = Counter(token for sentence in tokens for token in sentence)
    return {"types": len(counts), "singletons": sum(1 for count in counts.values() if count == 1),
            "tokens": sum(counts.values())}


def sentence_lengths(texts: Sequence[str], lang: str) -> np.ndarray:
    """Return the number of words (punctuation not counted) of each normalised text."""
    return np.array([count_words(normalize(text, lang)) for text in texts], dtype=np.int64)


# Markdown


def source_table(rows: list[tuple[str, int, int, str]]) -> str:
    lines = ["| source | pairs read | after cleaning | split |", "|---|---:|---:|---|"]
    for name, read, cleaned, split in rows:
        lines.append(f"| {name} | {read:,} | {cleaned:,} | {split} |")
    return "\n".join(lines)


def split_table(splits: dict[str, list[Pair]]) -> str:
    lines = ["| split | pairs |", "|---|---:|"]
    for name in SPLITS:
        lines.append(f"| {name} | {len(splits[name]):,} |")
    lines.append(f"| **total** | {sum(len(pairs) for pairs in splits.values()):,} |")
    return "\n".join(lines)


def length_table(lengths: dict[tuple[str, str], np.ndarray]) -> str:
    lines = ["| language | split | sentences | mean | median | 95th percentile | max |", "|---|---|---:|---:|---:|---:|---:|"]
    for (lang, split), values in lengths.items():
        if values.size == 0:
            lines.append(f"| {LANGUAGES[lang]} | {split} | 0 | – | – | – | – |")
            continue
        lines.append(
            f"| {LANGUAGES[lang]} | {split} | {values.size:,} | {values.mean():.1f} | {np.median(values):.0f} | "
            f"{np.percentile(values, 95):.0f} | {values.max()} |"
        )
    return "\n".join(lines)


def vocabulary_table(stats: dict[str, dict[str, dict]]) -> str:
    lines = [
        "| language | train words (types) | seen once in train | train tokens | all-split types | "
        "test OOV tokens | test OOV types |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for lang, entry in stats.items():
        train, everything, oov = entry["train"], entry["all"], entry["oov"]
        lines.append(
            f"| {LANGUAGES[lang]} | {train['types']:,} | {train['singletons']:,} | {train['tokens']:,} | "
            f"{everything['types']:,} | {_percent(oov['token_rate'])} | {_percent(oov['type_rate'])} |"
        )
    return "\n".join(lines)


def _percent(rate: float) -> str:
    return "–" if np.isnan(rate) else f"{rate:.1%}"  # NaN: the test split is empty


def plot_lengths(lengths: dict[tuple[str, str], np.ndarray], path: Path) -> None:
    """Save one histogram panel per language, one outline per split, of words per sentence."""
    figure, axes = plt.subplots(1, len(LANGUAGES), figsize=(11, 4), sharey=True)
    longest = max((int(values.max()) for values in lengths.values() if values.size), default=1)
    # Bins of a whole number of words: fractional widths would put two lengths into some bins.
    width = max(1, -(-longest // 80))
    bins = np.arange(0, longest + width + 1, width) - 0.5
    for axis, (lang, language) in zip(axes, LANGUAGES.items()):
        for split in SPLITS:
            values = lengths[(lang, split)]
            if values.size:
                axis.hist(values, bins=bins, histtype="step", linewidth=1.5, label=f"{split} ({values.size:,})")
        axis.set_title(f"{language}: words per sentence")
        axis.set_xlabel("words (punctuation not counted)")
        axis.grid(alpha=0.3)
        axis.legend()
    axes[0].set_ylabel("sentences")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def explore_nmt(
    sources: Sequence[Mapping[str, Any]],
    data_dir: str | Path | None,
    out: Path,
    *,
    val_fraction: float = 0.1,
    test_fraction: float = 0.0,
    seed: int = 0,
    max_words: int | None = None,
) -> str:
    """Write nmt.md and nmt_lengths.png into `out` for the corpus `sources`; return the markdown.

    `data_dir` None reads the corpora shipped in the package. The split arguments are those of
    `load_corpus`, so a translation config's data block reproduces its training split.
    """
    splits = load_corpus(sources, data_dir, val_fraction=val_fraction, test_fraction=test_fraction,
                         seed=seed, max_words=max_words)
    root = default_data_dir() if data_dir is None else Path(data_dir).expanduser()
    source_rows = []
    for index, source in enumerate(sources):
        source = source.to_dict() if hasattr(source, "to_dict") else dict(source)
        pairs = read_source(source, root, index)
        source_rows.append((source_name(source), len(pairs), len(clean_pairs(pairs)), source.get("split", "random")))

    lengths = {(lang, split): sentence_lengths(side(splits[split], lang), lang) for lang in LANGUAGES for split in SPLITS}
    stats = {}
    for lang in LANGUAGES:
        tokens = {split: tokenize_all(side(splits[split], lang), lang) for split in SPLITS}
        stats[lang] = {
            "train": vocabulary_stats(tokens["train"]),
            "all": vocabulary_stats([sentence for split in SPLITS for sentence in tokens[split]]),
            "oov": oov_rates(tokens["train"], tokens["test"]),
        }
    out.mkdir(parents=True, exist_ok=True)
    plot_lengths(lengths, out / "nmt_lengths.png")

    sections = [
        "# English–Kannada corpus exploration",
        f"Data folder: `{data_dir if data_dir is not None else 'zoo/corpora (shipped with the package)'}`. "
        f"Split with seed {seed}, validation fraction {val_fraction}, test fraction {test_fraction}"
        + (f", at most {max_words} English words per pair" if max_words else "") + ".",
        "## Pairs per source",
        "Cleaning strips both sides and drops pairs with an empty side and repeated pairs.",
        source_table(source_rows),
        "## Pairs per split",
        "Sources pinned to a split go there whole; their English sentences are removed from the rest.",
        split_table(splits),
        "## Sentence lengths",
        length_table(lengths),
        "![words per sentence, per language and split](nmt_lengths.png)",
        "## Vocabularies and out-of-vocabulary rates",
        "Words as the word tokenizer splits them (normalised; punctuation marks are words). Test OOV: "
        "the share of test tokens, and of distinct test words, never seen in the training split.",
        vocabulary_table(stats),
    ]
    markdown = "\n\n".join(sections) + "\n"
    (out / "nmt.md").write_text(markdown)
    return markdown

