"""English–Kannada parallel corpora: readers, cleaning and a seeded train/validation/test split.

Two file layouts are read:

* tab files in the ManyThings/Tatoeba "Anki" format, one pair per line:
  `English<TAB>Kannada[<TAB>attribution]`;
* line-aligned file pairs, line i of the source file translating line i of the target file
  (FLORES-200 `eng_Latn.dev`/`kan_Knda.dev`, NTREX-128 `newstest2019-src.eng.txt`/
  `newstest2019-ref.kan.txt`, or any `train.en`/`train.kn`).

A config names its corpora as a list of sources, paths relative to a data folder:

    {"kind": "tab", "path": "kan-eng/kan.txt"}
    {"kind": "aligned", "src": "flores200/eng_Latn.dev", "tgt": "flores200/kan_Knda.dev"}

A source may add `"split": "test"` (or "train", "val") to put all its pairs in that split
instead of the random one, e.g. to keep a benchmark whole.

The data folder defaults to the copies shipped inside the package (`zoo/corpora/`).
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from zoo.errors import ConfigError, DataError
from zoo.nmt.text import check_english, count_words, normalize_english

Pair = tuple[str, str]  # (English, Kannada)

SPLITS = ("train", "val", "test")  # the names the FER splits and the training loop use
SOURCE_KINDS = ("tab", "aligned")


def default_data_dir() -> Path:
    """Folder of the corpora shipped with the package."""
    return Path(str(importlib.resources.files("zoo") / "corpora"))


def read_lines(path: str | Path) -> list[str]:
    """Return the lines of a UTF-8 text file without their line endings (see `decode_lines`)."""
    path = Path(path)
    if not path.is_file():
        raise DataError(
            f"corpus file {str(path)!r} not found: check the path in the config's corpus "
            "sources, or pass --data-dir with the folder that holds it"
        )
    return decode_lines(path.read_bytes(), str(path))


def decode_lines(raw: bytes, name: str) -> list[str]:
    """Decode UTF-8 bytes and return their lines without line endings; `name` labels the input in errors.

    A byte-order mark is dropped, and invalid UTF-8 raises `DataError` naming the line.
    """
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise DataError(
            f"{name}:{line}: invalid UTF-8 (byte {raw[err.start]:#04x} at offset {err.start}); "
            "re-encode the text as UTF-8, e.g. `iconv -f LATIN1 -t UTF-8 FILE > NEW_FILE`, with -f "
            "naming its current encoding (`file -i FILE` guesses it)"
        ) from None
    return split_lines(text)


def split_lines(text: str) -> list[str]:
    """Split `text` into lines without their endings ("\\n" or "\\r\\n").

    Splits on "\\n" only: `str.splitlines` would also split on form feeds and Unicode line
    separators that occur inside sentences and would shift line-aligned files. A final newline
    does not make an extra empty line.
    """
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


def read_tab_file(path: str | Path) -> list[Pair]:
    """Read `English<TAB>Kannada[<TAB>attribution]` lines; blank lines are skipped."""
    pairs = []
    for number, line in enumerate(read_lines(path), start=1):
        if not line.strip():
            continue
        columns = line.split("\t")
        if not 2 <= len(columns) <= 3:
            raise DataError(
                f"{path}:{number}: expected 2 or 3 tab-separated columns "
                f"(English<TAB>Kannada[<TAB>attribution]) but found {len(columns)}; "
                "fix the line or read the file as an aligned pair instead"
            )
        pairs.append((columns[0], columns[1]))
    return pairs


def read_aligned_files(src_path: str | Path, tgt_path: str | Path) -> list[Pair]:
    """Pair line i of the English file `src_path` with line i of the Kannada file `tgt_path`."""
    src = read_lines(src_path)
    tgt = read_lines(tgt_path)
    if len(src) != len(tgt):
        raise DataError(
            f"aligned files differ in length: {src_path} has {len(src)} lines but {tgt_path} has "
            f"{len(tgt)}; line i of one must translate line i of the other, so pass the matching "
            "pair of files"
        )
    return list(zip(src, tgt))


def read_english_file(path: str | Path, role: str = "--file") -> list[str]:
    """Return the lines of the UTF-8 English file `path` (blank lines included, to keep alignment).

    Raises `DataError` naming the file and line when the file is not UTF-8, contains no sentence,
    or has a line that is not English. `role` names the file in messages, e.g. "--src".
    """
    return check_english_lines(read_lines(path), str(path), f"{role} {path}")


def check_english_lines(lines: list[str], name: str, described_as: str) -> list[str]:
    """Return `lines` after checking that one is a sentence and every non-blank one is English.

    Errors start with "`name`:LINE:" and call the whole input `described_as`, e.g. "--file in.en".
    """
    if not any(line.strip() for line in lines):
        raise DataError(f"{described_as} contains no sentences. Write one English sentence per line.")
    for number, line in enumerate(lines, start=1):
        if line.strip():
            try:
                check_english(line)
            except DataError as error:
                raise DataError(f"{name}:{number}: {error}") from None
    return lines


def read_scoring_pairs(src_path: str | Path, ref_path: str | Path) -> list[Pair]:
    """Read an English file and its line-aligned Kannada reference file for scoring.

    Raises `DataError` naming both line counts when they differ, and naming the line when a
    file is not UTF-8 or an English line is in another script (most often the two files swapped).
    """
    pairs = read_aligned_files(src_path, ref_path)
    for number, (english, _) in enumerate(pairs, start=1):
        if english.strip():
            try:
                check_english(english)
            except DataError as error:
                raise DataError(
                    f"{src_path}:{number}: {error}. If {src_path} is the Kannada reference, swap --src and --ref"
                ) from None
    if not any(en.strip() and kn.strip() for en, kn in pairs):
        raise DataError(f"{src_path} and {ref_path} contain no line where both sides are non-empty, so there is nothing to score.")
    return pairs


def _source_dict(source: Any, index: int) -> dict[str, Any]:
    if hasattr(source, "to_dict"):  # ml_collections.ConfigDict
        source = source.to_dict()
    if not isinstance(source, Mapping):
        raise ConfigError(
            f"corpus source #{index} is {source!r}, not a dict; write e.g. "
            '{"kind": "tab", "path": "kan-eng/kan.txt"}'
        )
    return dict(source)


def _resolve(path: str, data_dir: Path) -> Path:
    candidate = Path(path).expanduser()
    return candidate if candidate.is_absolute() else data_dir / candidate


def read_source(source: Mapping[str, Any], data_dir: str | Path, index: int = 0) -> list[Pair]:
    """Read the pairs of one corpus source dict (see the module docstring)."""
    source = _source_dict(source, index)
    data_dir = Path(data_dir)
    kind = source.get("kind")
    required = {"tab": ("path",), "aligned": ("src", "tgt")}.get(kind)
    if required is None:
        raise ConfigError(
            f"corpus source #{index} has kind {kind!r}; use one of {', '.join(SOURCE_KINDS)}"
        )
    missing = [key for key in required if not source.get(key)]
    if missing:
        raise ConfigError(
            f"corpus source #{index} of kind {kind!r} lacks {', '.join(missing)}: "
            f"give {' and '.join(required)} relative to the data folder"
        )
    split = source.get("split")
    if split is not None and split not in SPLITS:
        raise ConfigError(
            f"corpus source #{index} has split {split!r}; use one of {', '.join(SPLITS)} or leave "
            "it out to split the source at random"
        )
    if kind == "tab":
        return read_tab_file(_resolve(source["path"], data_dir))
    return read_aligned_files(_resolve(source["src"], data_dir), _resolve(source["tgt"], data_dir))


def clean_pairs(pairs: Iterable[Pair]) -> list[Pair]:
    """Strip both sides, drop pairs with an empty side and drop repeats, keeping first occurrences."""
    seen: set[Pair] = set()
    cleaned = []
    for en, kn in pairs:
        pair = (en.strip(), kn.strip())
        if pair[0] and pair[1] and pair not in seen:
            seen.add(pair)
            cleaned.append(pair)
    return cleaned


def filter_max_words(pairs: Iterable[Pair], max_words: int | None) -> list[Pair]:
    """Keep pairs whose English side has at most `max_words` words (punctuation not counted).

    With a small limit this rebuilds the short-sentence regime of tagger-style baselines.
    `None` or 0 keeps everything.
    """
    if not max_words:
        return list(pairs)
    if max_words < 0:
        raise ConfigError(f"data.max_words is {max_words}; give a positive word count, or 0 for no limit")
    return [pair for pair in pairs if count_words(normalize_english(pair[0])) <= max_words]


def _group_key(pair: Pair) -> str:
    return normalize_english(pair[0])


def split_pairs(
    pairs: Sequence[Pair], val_fraction: float, test_fraction: float, seed: int
) -> dict[str, list[Pair]]:
    """Split `pairs` into train, val and test, the same way for the same seed.

    Pairs are grouped by their normalised English sentence and whole groups are assigned, so
    that several translations of one sentence never straddle train and test. Fractions count
    groups; each split keeps the corpus order.
    """
    for name, fraction in (("val", val_fraction), ("test", test_fraction)):
        if not 0.0 <= fraction < 1.0:
            raise ConfigError(f"data.{name}_fraction is {fraction}; give a fraction in [0, 1)")
    if val_fraction + test_fraction >= 1.0:
        raise ConfigError(
            f"data.val_fraction + data.test_fraction = {val_fraction + test_fraction}, "
            "which leaves no training data; make their sum less than 1"
        )
    keys = list(dict.fromkeys(_group_key(pair) for pair in pairs))
    order = np.random.default_rng(seed).permutation(len(keys))
    n_test = int(round(test_fraction * len(keys)))
    n_val = int(round(val_fraction * len(keys)))
    assignment = {}
    for rank, index in enumerate(order):
        if rank < n_test:
            assignment[keys[index]] = "test"
        elif rank < n_test + n_val:
            assignment[keys[index]] = "val"
        else:
            assignment[keys[index]] = "train"
    splits: dict[str, list[Pair]] = {name: [] for name in SPLITS}
    for pair in pairs:
        splits[assignment[_group_key(pair)]].append(pair)
    return splits


def load_corpus(
    sources: Sequence[Mapping[str, Any]],
    data_dir: str | Path | None = None,
    *,
    val_fraction: float = 0.1,
    test_fraction: float = 0.1,
    seed: int = 0,
    max_words: int | None = None,
) -> dict[str, list[Pair]]:
    """Read, clean, filter and split the corpus sources of a config.

    Sources with a `split` key go whole into that split. Their English sentences are removed
    from the randomly split remainder, so a pinned test set stays unseen in training.
    Returns the pairs of each split under "train", "val" and "test".
    """
    if not sources:
        raise ConfigError("data.sources is empty; list at least one corpus source")
    data_dir = default_data_dir() if data_dir is None else Path(data_dir).expanduser()
    if not data_dir.is_dir():
        raise DataError(
            f"data folder {str(data_dir)!r} not found: pass --data-dir with the folder that "
            "holds the corpora, or leave it out to use the corpora shipped with the package"
        )
    pinned: dict[str, list[Pair]] = {name: [] for name in SPLITS}
    pool: list[Pair] = []
    for index, source in enumerate(sources):
        pairs = read_source(source, data_dir, index)
        split = _source_dict(source, index).get("split")
        (pinned[split] if split else pool).extend(pairs)

    pinned = {name: filter_max_words(clean_pairs(pairs), max_words) for name, pairs in pinned.items()}
    pinned_keys = {_group_key(pair) for pairs in pinned.values() for pair in pairs}
    pool = [pair for pair in filter_max_words(clean_pairs(pool), max_words) if _group_key(pair) not in pinned_keys]
    splits = split_pairs(pool, val_fraction, test_fraction, seed)
    for name in SPLITS:
        splits[name] = clean_pairs(pinned[name] + splits[name])
    if not splits["train"]:
        raise DataError(
            f"no training pairs are left after cleaning and the max_words filter (max_words={max_words}): "
            "add corpus sources, lower the held-out fractions or raise data.max_words"
        )
    return splits
