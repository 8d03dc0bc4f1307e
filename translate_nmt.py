"""Translate English into Kannada with a model trained by train_nmt.py, or score it on aligned files.

    python translate_nmt.py --workdir runs/nmt_base "Give me half." "Tom woke up."
    echo "Tom woke up." | python translate_nmt.py --workdir runs/nmt_base
    python translate_nmt.py --workdir runs/nmt_base --src eng_Latn.devtest --ref kan_Knda.devtest --out hyp.txt
"""

import json
import sys
from pathlib import Path

import click

from zoo.cli import configure_logging, exit_on_user_error


@click.command()
@click.argument("sentences", nargs=-1)
@click.option("--workdir", required=True, type=click.Path(path_type=Path), help="Run folder written by train_nmt.py.")
@click.option("--src", "src_path", type=click.Path(path_type=Path), default=None,
              help="English file, one sentence per line, to translate and score against --ref.")
@click.option("--ref", "ref_path", type=click.Path(path_type=Path), default=None,
              help="Kannada reference file, line-aligned with --src.")
@click.option("--out", type=click.Path(path_type=Path), default=None, help="With --src: write the translations here, one per line.")
@click.option("--beam-size", type=click.IntRange(min=1), default=None, help="Beam width; 1 decodes greedily [default: the run's config].")
@click.option("--alpha", type=click.FloatRange(min=0.0), default=None, help="Length normalisation strength [default: the run's config].")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
def main(sentences, workdir, src_path, ref_path, out, beam_size, alpha, as_json):
    """Translate SENTENCES (or standard input, one per line), or score --src against --ref."""
    configure_logging()
    with exit_on_user_error():
        from zoo.errors import ConfigError
        from zoo.nmt.predict import Translator

        if (src_path is None) != (ref_path is None):
            raise ConfigError("--src without --ref, or --ref without --src: give the English file and its Kannada reference")
        if src_path is not None and sentences:
            raise ConfigError("give either SENTENCES or --src/--ref, not both")
        if src_path is None and not sentences:
            sentences = [line.strip() for line in sys.stdin if line.strip()]
            if not sentences:
                raise ConfigError("no sentences: pass them as arguments, on standard input, or as --src/--ref files")

        translator = Translator.from_workdir(workdir)
        if src_path is not None:
            result = translator.score_files(src_path, ref_path, beam_size=beam_size, alpha=alpha)
            if out is not None:
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_text("".join(line + "\n" for line in result["translations"]), encoding="utf-8")
            scores = result["scores"]
            if as_json:
                click.echo(json.dumps(scores, indent=2))
            else:
                click.echo(f"BLEU {scores['bleu']:.2f}  chrF++ {scores['chrf']:.2f}  ({scores['pairs']} pairs)")
                click.echo(f"BLEU signature: {scores['bleu_signature']}")
                click.echo(f"chrF signature: {scores['chrf_signature']}")
            return

        translations = translator.translate(sentences, beam_size=beam_size, alpha=alpha)
        if as_json:
            pairs = [{"english": en, "kannada": kn} for en, kn in zip(sentences, translations)]
            click.echo(json.dumps(pairs, indent=2, ensure_ascii=False))
        else:
            for translation in translations:
                click.echo(translation)


if __name__ == "__main__":
    main()
