"""Load a trained translator from its run folder and translate or score with it."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, Sequence

import ml_collections
from flax import nnx

from zoo.data.corpora import read_aligned_files
from zoo.errors import CheckpointError
from zoo.nmt.task import tokenizers_from_extras
from zoo.nmt.tokenizers import Tokenizer
from zoo.nmt.train import TASK_NAME, create_nmt_model
from zoo.nmt.translate import DEFAULT_BUCKETS, score_translations, translate_sentences
from zoo.training.checkpoint import BEST, LATEST, Checkpoints
from zoo.training.restore import restore_model


@dataclasses.dataclass
class Translator:
    """A trained model with its tokenizers and the decoding settings of its config."""

    model: nnx.Module
    src_tokenizer: Tokenizer
    tgt_tokenizer: Tokenizer
    config: ml_collections.ConfigDict

    @classmethod
    def from_workdir(cls, workdir: str | Path) -> "Translator":
        """Restore the best checkpoint of a `train_nmt.py` run folder (the latest when there is no best)."""
        workdir = Path(workdir)
        directory = workdir / "checkpoints"
        if not directory.is_dir():
            raise CheckpointError(
                f"no checkpoints in {workdir} (looked for {directory}); pass the --workdir of a train_nmt.py run"
            )
        checkpoints = Checkpoints(directory)
        try:
            meta = checkpoints.read_meta(BEST if checkpoints.latest_epoch(BEST) is not None else LATEST)
        finally:
            checkpoints.close()
        if meta is None or "src_tokenizer" not in meta.get("extras", {}):
            raise CheckpointError(f"no translation checkpoint found in {directory}; train one with train_nmt.py first")
        extras = meta["extras"]
        model, config, _ = restore_model(workdir, TASK_NAME, lambda config, rngs: create_nmt_model(config, extras, rngs))
        src_tokenizer, tgt_tokenizer = tokenizers_from_extras(extras)
        return cls(model, src_tokenizer, tgt_tokenizer, config)

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

    def translate(self, sentences: Sequence[str], *, check_input: bool = True, **overrides: Any) -> list[str]:
        """Translate English `sentences`; by default non-English input raises `DataError`."""
        return translate_sentences(
            self.model, self.src_tokenizer, self.tgt_tokenizer, list(sentences),
            check_input=check_input, **self.decode_options(**overrides),
        )

    def score_files(self, src_path: str | Path, ref_path: str | Path, **overrides: Any) -> dict[str, Any]:
        """Translate a line-aligned English file and score it against the Kannada reference file."""
        pairs = [(en, kn) for en, kn in read_aligned_files(src_path, ref_path) if en.strip() and kn.strip()]
        hypotheses = self.translate([en for en, _ in pairs], check_input=False, **overrides)
        scores = score_translations(hypotheses, [kn for _, kn in pairs])
        scores["pairs"] = len(pairs)
        return {"scores": scores, "translations": hypotheses}
