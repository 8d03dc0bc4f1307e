"""`train_and_evaluate(config, workdir)` for English→Kannada: corpora, training loop, report.json."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import ml_collections
from flax import nnx

from zoo.data.corpora import SPLITS, Pair, load_corpus
from zoo.models import count_params
from zoo.nmt.task import NmtTask, tokenizers_from_extras
from zoo.nmt.tokenizers import Tokenizer
from zoo.nmt.translate import score_translations, translate_sentences
from zoo.training.checkpoint import LATEST, Checkpoints
from zoo.training.loop import train
from zoo.training.resume import prepare_run_folder
from zoo.training.steps import evaluate, make_eval_step, split_model

log = logging.getLogger(__name__)

TASK_NAME = "nmt"


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
