"""`train_and_evaluate(config, workdir)` for English→Kannada: corpora, training loop, report.json."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import ml_collections
from flax import nnx

from zoo.config_checks import (
    require,
    require_choice,
    require_fraction,
    require_int,
    require_non_negative,
    require_positive,
)
from zoo.data.corpora import SPLITS, Pair, load_corpus
from zoo.models import count_params
from zoo.nmt.task import NmtTask, check_bucket_lengths, tokenizers_from_extras
from zoo.nmt.tokenizers import SPECIAL_TOKENS, TOKENIZER_KINDS, Tokenizer
from zoo.nmt.translate import score_translations, translate_sentences
from zoo.training.checkpoint import LATEST, Checkpoints
from zoo.training.loop import check_train_config, train
from zoo.training.resume import prepare_run_folder
from zoo.training.steps import evaluate, make_eval_step, split_model

log = logging.getLogger(__name__)

TASK_NAME = "nmt"


# Model options that are layer sizes; options ending in "dropout" are rates.
MODEL_SIZES = ("embed_dim", "hidden", "dense", "attention_dim")
# Vocabulary size for building the model abstractly, before any tokenizer is fitted.
PLACEHOLDER_VOCAB_SIZE = 16


def check_nmt_config(config: ml_collections.ConfigDict) -> None:
    """Raise ConfigError for an invalid value in a translation config; reads no corpus.

    Builds the model abstractly (shapes only, placeholder vocabulary sizes), so an unknown
    model.name or an option its constructor does not take fails here too.
    """
    check_train_config(config)
    _check_data_config(config)
    for key, value in config.model.items():
        if key in MODEL_SIZES and value is not None:
            require_int(config, f"model.{key}", 1)
        elif key.endswith("dropout"):
            require_fraction(config, f"model.{key}", allow_zero=True)
    for key in ("decode.beam_size", "decode.batch_size"):
        require_int(config, key, 1)
    require_int(config, "decode.samples", 0)
    require_non_negative(config, "decode.alpha")
    require_positive(config, "decode.length_ratio")
    require(
        config, "decode.probes", lambda probes: all(isinstance(probe, str) for probe in probes),
        'a list of English sentences, e.g. ["in front of her house"]',
    )
    _build_abstract_model(config)


def _check_data_config(config: ml_collections.ConfigDict) -> None:
    require(config, "data.sources", lambda sources: len(sources) > 0, "a list of at least one corpus source")
    require_fraction(config, "data.val_fraction", allow_zero=True)
    require_fraction(config, "data.test_fraction", allow_zero=True)
    left_after_val = 1 - config.data.val_fraction
    require(config, "data.test_fraction", lambda fraction: fraction < left_after_val,
            f"below 1 - data.val_fraction = {left_after_val:g}, so that pairs are left for training")
    require_int(config, "data.max_words", 0)
    require_choice(config, "data.tokenizer", TOKENIZER_KINDS)
    require_int(config, "data.vocab_size", len(SPECIAL_TOKENS) + 1)
    require_int(config, "data.max_vocab", 0)
    require(config, "data.max_vocab", lambda size: size == 0 or size > len(SPECIAL_TOKENS),
            f"0 (no limit) or more than the {len(SPECIAL_TOKENS)} special tokens")
    require_int(config, "data.min_count", 1)
    check_bucket_lengths(config.data.bucket_lengths)


def _build_abstract_model(config: ml_collections.ConfigDict) -> None:
    """Build the model of `config` with shapes only, raising ConfigError for an unknown name or option."""
    from zoo.nmt.models import create_model

    options = {key: value for key, value in config.model.to_dict().items() if key != "name"}
    nnx.eval_shape(lambda: create_model(
        config.model.name, PLACEHOLDER_VOCAB_SIZE, PLACEHOLDER_VOCAB_SIZE, rngs=nnx.Rngs(config.seed), **options
    ))


def load_splits(config: ml_collections.ConfigDict, data_dir: str | Path | None) -> dict[str, list[Pair]]:
    """Read, clean and split the corpora of `config.data`; `data_dir` None means the shipped corpora."""
    splits = load_corpus(
        list(config.data.sources),
        data_dir,
        val_fraction=config.data.val_fraction,
        test_fraction=config.data.test_fraction,
        seed=config.seed,
        max_words=config.data.max_words,
    )
    log.info("Split sizes: %s.", ", ".join(f"{name} {len(splits[name])}" for name in SPLITS))
    return splits


def saved_tokenizers(workdir: Path) -> tuple[Tokenizer, Tokenizer] | None:
    """Return the tokenizers of `workdir`'s latest checkpoint, or None when there is no checkpoint.

    A resumed run must reuse them: ids are only meaningful with the vocabulary they were trained with.
    """
    directory = workdir / "checkpoints"
    if not directory.is_dir():
        return None
    checkpoints = Checkpoints(directory)
    try:
        meta = checkpoints.read_meta(LATEST)
    finally:
        checkpoints.close()
    if meta is None or "src_tokenizer" not in meta.get("extras", {}):
        return None
    return tokenizers_from_extras(meta["extras"])


def create_nmt_model(config: ml_collections.ConfigDict, extras: dict[str, Any], rngs: nnx.Rngs) -> nnx.Module:
    """Build the untrained model that `config` describes, sized by the tokenizers saved in `extras`."""
    from zoo.nmt.models import create_model

    src, tgt = tokenizers_from_extras(extras)
    options = {key: value for key, value in config.model.to_dict().items() if key != "name"}
    return create_model(config.model.name, src.vocab_size, tgt.vocab_size, rngs=rngs, **options)


def train_and_evaluate(
    config: ml_collections.ConfigDict, workdir: str | Path, data_dir: str | Path | None = None
) -> dict[str, Any]:
    """Train the configured translation model in `workdir` (resuming if possible), write report.json, return it.

    The report gives, per split, the teacher-forced token loss and the masked accuracy (the
    share of non-padding target tokens predicted right). For val and test it adds corpus BLEU
    and chrF++ of decoded translations against the references. It ends with a few test
    translations to read, and the translations of the config's `decode.probes` sentences, so
    that runs can be compared on the same inputs.
    """
    check_nmt_config(config)
    workdir = prepare_run_folder(workdir, config, TASK_NAME)
    splits = load_splits(config, data_dir)
    task = NmtTask(config, splits, tokenizers=saved_tokenizers(workdir))
    log.info(
        "Vocabularies (%s): English %d, Kannada %d.",
        config.data.tokenizer, task.src_tokenizer.vocab_size, task.tgt_tokenizer.vocab_size,
    )
    result = train(task, config, workdir, task_name=TASK_NAME)
    model = result.model
    parameters = count_params(model)
    log.info("Trainable parameters: %s.", f"{parameters:,}")

    graphdef, params, rest = split_model(model)
    eval_step = make_eval_step(graphdef, task)
    decode = config.decode
    decode_options = {
        "beam_size": decode.beam_size, "alpha": decode.alpha, "length_ratio": decode.length_ratio,
        "batch_size": decode.batch_size, "bucket_lengths": task.bucket_lengths,
    }
    report: dict[str, Any] = {
        "model": config.model.name,
        "parameters": parameters,
        "epochs_run": result.epochs_run,
        "best_epoch": result.best_epoch,
        "stopped_early": result.stopped_early,
        "wall_time_s": round(result.wall_time_s, 1),
        "tokenizer": config.data.tokenizer,
        "vocab_size": {"en": task.src_tokenizer.vocab_size, "kn": task.tgt_tokenizer.vocab_size},
        "decode": decode.to_dict(),
        "splits": {},
    }
    for name in SPLITS:
        pairs = splits[name]
        metrics: dict[str, Any] = {"pairs": len(pairs), "pairs_scored": task.split_size(name)}
        if task.split_size(name):
            tokens = evaluate(eval_step, params, rest, task.eval_batches(name))
            metrics.update(token_loss=tokens["loss"], masked_accuracy=tokens["accuracy"], tokens=int(tokens["count"]))
        if name != "train" and pairs:
            hypotheses = translate_sentences(
                model, task.src_tokenizer, task.tgt_tokenizer, [en for en, _ in pairs], **decode_options
            )
            metrics.update(score_translations(hypotheses, [kn for _, kn in pairs]))
            if name == "test":
                report["samples"] = [
                    {"english": en, "reference": kn, "translation": hypothesis}
                    for (en, kn), hypothesis in list(zip(pairs, hypotheses))[: decode.samples]
                ]
            log.info("%-5s BLEU %.2f  chrF++ %.2f  (%d pairs)", name, metrics["bleu"], metrics["chrf"], len(pairs))
        report["splits"][name] = metrics

    probes = list(decode.probes)
    translations = translate_sentences(model, task.src_tokenizer, task.tgt_tokenizer, probes, **decode_options)
    report["probes"] = [{"english": en, "translation": kn} for en, kn in zip(probes, translations)]
    for probe in report["probes"]:
        log.info("%s -> %s", probe["english"], probe["translation"])

    (workdir / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    return report
