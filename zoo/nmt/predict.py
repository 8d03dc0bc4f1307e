"""Load a trained translator from its run folder; translate, or score it on line-aligned files."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any, Sequence

import ml_collections
from flax import nnx

from zoo.data.corpora import Pair, read_scoring_pairs
from zoo.errors import CheckpointError
from zoo.nmt import DEFAULT_WORKDIR, WORKDIR_ENV
from zoo.nmt.task import tokenizers_from_extras
from zoo.nmt.tokenizers import Tokenizer
from zoo.nmt.train import TASK_NAME, create_nmt_model
from zoo.nmt.translate import DEFAULT_BUCKETS, Translation, score_translations, translate_detailed
from zoo.training.checkpoint import BEST, LATEST, Checkpoints
from zoo.training.restore import resolve_run_dir, restore_model

TOKENIZER_KEYS = ("src_tokenizer", "tgt_tokenizer")


def _read_translation_meta(directory: Path) -> dict:
    """Read the checkpoint meta of the run in `directory` and check that it is a translator with vocabularies."""
    checkpoints_dir = directory / "checkpoints"
    if not checkpoints_dir.is_dir():
        raise CheckpointError(
            f"No checkpoints in {directory} (looked for {checkpoints_dir}). Pass the --workdir of a "
            "finished train_nmt.py run."
        )
    checkpoints = Checkpoints(checkpoints_dir)
    try:
        meta = checkpoints.read_meta(BEST if checkpoints.latest_epoch(BEST) is not None else LATEST)
    finally:
        checkpoints.close()

    if meta is None:
        raise CheckpointError(f"{checkpoints_dir} contains no complete checkpoint. Train a model into {directory} first.")
    task = meta.get("task")
    if task == "fer":
        raise CheckpointError(
            f"{directory} contains a facial-expression (FER) model written by train_fer.py, not a translator. "
            "Pass the --workdir of a train_nmt.py run; FER runs go to infer.py emotion."
        )
    if task != TASK_NAME:
        raise CheckpointError(
            f"{directory} contains a {task!r} checkpoint, not a translation one. Pass the --workdir of a train_nmt.py run."
        )

    missing = [key for key in TOKENIZER_KEYS if key not in meta.get("extras", {})]
    if missing:
        raise CheckpointError(
            f"The checkpoint in {checkpoints_dir} stores no vocabularies ({', '.join(missing)} missing), "
            "so its token ids cannot be mapped to words. Train the model again with train_nmt.py into an "
            "empty --workdir."
        )
    return meta


@dataclasses.dataclass
class Translator:
    """A trained model with its tokenizers, the decoding settings of its config and its run folder."""

    model: nnx.Module
    src_tokenizer: Tokenizer
    tgt_tokenizer: Tokenizer
    config: ml_collections.ConfigDict
    workdir: Path | None = None

    @classmethod
    def from_workdir(cls, workdir: str | os.PathLike | None = None) -> "Translator":
        """Restore the best checkpoint (the latest when there is no best) of a `train_nmt.py` run folder.

        `workdir` None means `$ZOO_NMT_WORKDIR`, else runs/nmt_base.
        """
        directory, described_as = resolve_run_dir(workdir, WORKDIR_ENV, DEFAULT_WORKDIR)
        try:
            extras = _read_translation_meta(directory)["extras"]
            model, config, _ = restore_model(
                directory, TASK_NAME, lambda config, rngs: create_nmt_model(config, extras, rngs)
            )
        except CheckpointError as error:
            raise CheckpointError(f"{error} The folder {directory} came from {described_as}.") from None
        src_tokenizer, tgt_tokenizer = tokenizers_from_extras(extras)
        return cls(model, src_tokenizer, tgt_tokenizer, config, directory)

    @property
    def max_source_tokens(self) -> int:
        """Maximum input length in tokens, <start> and <end> included, that the model translates in one piece."""
        return self.decode_options()["bucket_lengths"][-1]

    def decode_options(self, **overrides: Any) -> dict[str, Any]:
        """Return the config's decoding settings with the given ones (not None) replacing them."""
        decode = self.config.decode
        options = {
            "beam_size": decode.beam_size,
            "alpha": decode.alpha,
            "length_ratio": decode.length_ratio,
            "batch_size": decode.batch_size,
            "bucket_lengths": tuple(self.config.data.bucket_lengths) or DEFAULT_BUCKETS,
        }
        options.update({key: value for key, value in overrides.items() if value is not None})
        return options

    def translate_detailed(
        self, sentences: Sequence[str], *, check_input: bool = True, **overrides: Any
    ) -> list[Translation]:
        """Translate English `sentences`, reporting pieces, truncation and unknown words of each.

        By default non-English or empty input raises `DataError`.
        """
        return translate_detailed(
            self.model, self.src_tokenizer, self.tgt_tokenizer, list(sentences),
            check_input=check_input, **self.decode_options(**overrides),
        )

    def translate(self, sentences: Sequence[str], *, check_input: bool = True, **overrides: Any) -> list[str]:
        """Translate English `sentences`; by default non-English input raises `DataError`."""
        return [result.text for result in self.translate_detailed(sentences, check_input=check_input, **overrides)]

    def score_pairs(self, pairs: Sequence[Pair], **overrides: Any) -> dict[str, Any]:
        """Translate the English side of `pairs` and score it against the Kannada side with BLEU and chrF++.

        Returns "scores", "translations" (one per pair, "" where the English line is blank, so a
        file of them stays line-aligned) and "details" (the `Translation` of each scored pair).
        Pairs with a blank side are translated but not scored.
        """
        details = self.translate_detailed([en for en, _ in pairs], check_input=False, **overrides)
        scored = [i for i, (en, kn) in enumerate(pairs) if en.strip() and kn.strip()]
        scores = score_translations([details[i].text for i in scored], [pairs[i][1] for i in scored])
        scores["pairs"] = len(scored)
        scores["skipped_blank"] = len(pairs) - len(scored)
        return {
            "scores": scores,
            "translations": [result.text for result in details],
            "details": [details[i] for i in scored],
        }

    def score_files(self, src_path: str | Path, ref_path: str | Path, **overrides: Any) -> dict[str, Any]:
        """Translate a line-aligned English file and score it against its Kannada reference file."""
        return self.score_pairs(read_scoring_pairs(src_path, ref_path), **overrides)
