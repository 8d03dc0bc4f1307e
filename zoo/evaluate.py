"""Score a trained model on data of your choice: `python -m zoo.evaluate nmt --src FILE --ref FILE`.

    python -m zoo.evaluate nmt --workdir runs/nmt_base --src eng_Latn.devtest --ref kan_Knda.devtest

There is one subcommand per task. Each one reads any held-out data the user has, not only the
splits that the training run made.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from zoo.cli import configure_logging, exit_on_user_error
from zoo.nmt import DEFAULT_WORKDIR as NMT_DEFAULT_WORKDIR
from zoo.nmt import WORKDIR_ENV as NMT_WORKDIR_ENV

HYPOTHESES_SUFFIX = ".hyp"


def default_hypotheses_path(workdir: Path, src_path: Path) -> Path:
    """Return the file `nmt` writes translations to without --out: in the run folder, named after `src_path`.

    The run folder keeps them beside the model's other outputs, so a score can be traced to its translations.
    """
    return workdir / f"{src_path.name}{HYPOTHESES_SUFFIX}"


@click.group()
def main():
    """Score a trained model on held-out data."""
    configure_logging()


@main.command()
@click.option("--workdir", default=None,
              help=f"Run folder written by train_nmt.py (default: ${NMT_WORKDIR_ENV}, else {NMT_DEFAULT_WORKDIR}).")
@click.option("--src", "src_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="UTF-8 English file, one sentence a line.")
@click.option("--ref", "ref_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="UTF-8 Kannada reference file, line i translating line i of --src.")
@click.option("--beam", type=click.IntRange(min=1), default=None,
              help="Beam width; 1 decodes greedily [default: the run's decode.beam_size].")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help=f"Write the translations here, one a line aligned with --src [default: WORKDIR/<src name>{HYPOTHESES_SUFFIX}].")
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
def nmt(workdir, src_path, ref_path, beam, out, as_json):
    """Translate --src with a trained translator and score it against --ref with sacreBLEU BLEU and chrF++."""
    with exit_on_user_error():
        from zoo.data.corpora import read_scoring_pairs
        from zoo.errors import DataError

        pairs = read_scoring_pairs(src_path, ref_path)  # bad files fail before the slow model load

        from zoo.nmt.predict import Translator

        translator = Translator.from_workdir(workdir)
        result = translator.score_pairs(pairs, beam_size=beam)

        out = out or default_hypotheses_path(translator.workdir, src_path)
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text("".join(line + "\n" for line in result["translations"]), encoding="utf-8")
        except OSError as error:
            raise DataError(f"cannot write the translations to {out} ({error.strerror}). Pass a writable --out.") from None

        details = result["details"]
        pieced = sum(1 for detail in details if detail.pieces > 1)
        truncated = sum(1 for detail in details if detail.truncated)
        unknown = sum(len(detail.unknown_words) for detail in details)
        if pieced or truncated:
            click.echo(
                f"Note: {pieced} sentences were longer than the {translator.max_source_tokens} tokens the model "
                f"was trained on and were translated in pieces; {truncated} had a part truncated.", err=True,
            )
        if unknown:
            click.echo(f"Note: {unknown} English words were outside the model's vocabulary and read as <unk>.", err=True)

        scores = {**result["scores"], "hypotheses": str(out)}
        if as_json:
            click.echo(json.dumps(scores, indent=2))
        else:
            click.echo(f"BLEU {scores['bleu']:.2f}  chrF++ {scores['chrf']:.2f}  ({scores['pairs']} pairs)")
            if scores["skipped_blank"]:
                click.echo(f"{scores['skipped_blank']} lines with a blank side were not scored.")
            click.echo(f"BLEU signature: {scores['bleu_signature']}")
            click.echo(f"chrF signature: {scores['chrf_signature']}")
            click.echo(f"Translations written to {out}.")


if __name__ == "__main__":
    main()
