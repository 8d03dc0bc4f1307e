"""Train a FER-2013 model: `python train_fer.py --config configs/cnn4.py --data-dir DIR --workdir DIR`."""

import click

from zoo.cli import configure_logging, exit_on_user_error, explain_interrupt


@click.command()
@click.option("--config", "config_path", required=True, type=click.Path(), help="Config file, e.g. configs/cnn4.py.")
@click.option("--data-dir", default=None, help="Folder holding FER-2013 (default: $ZOO_DATA_DIR, else ./data).")
@click.option("--workdir", default=None, help="Run folder for checkpoints and outputs (default: runs/<config name>).")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE", help="Override a config value; repeatable.")
def main(config_path, data_dir, workdir, overrides):
    """Train, validate and test a facial-expression model; resume from WORKDIR's latest checkpoint."""
    configure_logging()
    with exit_on_user_error():
        from pathlib import Path

        from zoo.config import load_config
        from zoo.fer.train import train_and_evaluate

        config = load_config(config_path, overrides, task="fer")
        workdir = workdir or str(Path("runs") / Path(config_path).stem)
        with explain_interrupt(workdir):
            report = train_and_evaluate(config, workdir, data_dir)
        test = report["splits"]["test"]
        click.echo(
            f"Done: {report['model']} ({report['parameters']:,} parameters), epochs run: {report['epochs_run']}, "
            f"test accuracy {test['accuracy']:.4f}. Outputs in {workdir}."
        )


if __name__ == "__main__":
    main()
