"""`python -m zoo.explore fer --data-dir DIR --out DIR`: data-set summaries as markdown and figures."""

from pathlib import Path

import click

from zoo.cli import configure_logging, exit_on_user_error


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

        directory, described_as = resolve_data_dir(data_dir)
        data = load_fer(find_fer_source(directory, described_as))
        click.echo(explore_fer(data, out, tuple(classes), size, split, seed))
        click.echo(f"Wrote {out / 'fer.md'} and its figures.")


if __name__ == "__main__":
    main()
