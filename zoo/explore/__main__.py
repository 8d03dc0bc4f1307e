"""`python -m zoo.explore fer|nmt --out DIR ...`: data-set summaries as markdown and figures."""

from pathlib import Path

import click

from zoo.cli import check_output_folder, configure_logging, exit_on_user_error


@click.group()
def main():
    """Summarise a data set: counts, samples and simple statistics, as markdown and PNG figures."""
    configure_logging()


@main.command()
@click.option("--data-dir", default=None, help="Folder holding FER-2013 (default: $ZOO_DATA_DIR, else ./data).")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Folder for fer.md and the figures.")
@click.option("--classes", nargs=2, default=("angry", "surprise"), show_default=True, metavar="NEGATIVE POSITIVE",
              help="The two emotions the thumbnail-pixel analysis tells apart; AUC above 0.5 means brighter in POSITIVE.")
@click.option("--size", type=int, default=3, show_default=True, help="Thumbnail side in pixels for that analysis.")
@click.option("--split", type=click.Choice(["train", "test", "all"]), default="train", show_default=True,
              help="Images the thumbnail analysis uses (test: the whole test folder).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for choosing the sample images.")
def fer(data_dir, out, classes, size, split, seed):
    """Class counts per split, one sample per emotion and the per-pixel ROC AUC of tiny thumbnails."""
    with exit_on_user_error():
        from zoo.data.fer import find_fer_source, load_fer
        from zoo.data.paths import resolve_data_dir
        from zoo.explore.fer import explore_fer

        check_output_folder(out)
        directory, described_as = resolve_data_dir(data_dir)
        data = load_fer(find_fer_source(directory, described_as))
        click.echo(explore_fer(data, out, tuple(classes), size, split, seed))
        click.echo(f"Wrote {out / 'fer.md'} and its figures.")


@main.command()
@click.option("--data-dir", default=None,
              help="Folder holding the corpora (default: the copies shipped in the package, zoo/corpora).")
@click.option("--config", "config_path", default=None, type=click.Path(),
              help="Translation config whose data block (sources, split fractions, seed, max_words) to use; "
                   "default: all three shipped corpora, FLORES-200 dev as the test split.")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Folder for nmt.md and the figure.")
def nmt(data_dir, config_path, out):
    """Pair counts, sentence-length histograms, vocabulary sizes and test OOV rates of the parallel corpora."""
    with exit_on_user_error():
        from zoo.explore.nmt import DEFAULT_SOURCES, explore_nmt

        check_output_folder(out)
        options = {}
        sources = DEFAULT_SOURCES
        if config_path:
            from zoo.config import load_config

            config = load_config(config_path, task="nmt")
            sources = list(config.data.sources)
            options = {"val_fraction": config.data.val_fraction, "test_fraction": config.data.test_fraction,
                       "seed": config.seed, "max_words": config.data.max_words or None}
        click.echo(explore_nmt(sources, data_dir, out, **options))
        click.echo(f"Wrote {out / 'nmt.md'} and its figure.")


if __name__ == "__main__":
    main()
