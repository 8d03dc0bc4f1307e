"""Train an English→Kannada translator: `python train_nmt.py --config configs/nmt_base.py --workdir DIR`."""

import click

from zoo.cli import configure_logging, exit_on_user_error, explain_interrupt


@click.command()
@click.option("--config", "config_path", required=True, type=click.Path(), help="Config file, e.g. configs/nmt_base.py.")
@click.option(
    "--data-dir", default=None,
    help="Folder holding kan-eng/, flores200/ and ntrex128/ (default: the corpora shipped with the package).",
)
@click.option("--workdir", default=None, help="Run folder for checkpoints and outputs (default: runs/<config name>).")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE", help="Override a config value; repeatable.")
def main(config_path, data_dir, workdir, overrides):
    """Train, validate and test a translation model; resume from WORKDIR's latest checkpoint."""
    configure_logging()
    with exit_on_user_error():
        from pathlib import Path

        from zoo.config import load_config, resolve_config_path
        from zoo.nmt.train import train_and_evaluate

        resolved = resolve_config_path(config_path, "nmt")
        if resolved != Path(config_path):
            click.echo(f"Using {resolved}, the translation config named like {config_path}.", err=True)
        config = load_config(resolved, overrides, task="nmt")
        workdir = workdir or str(Path("runs") / resolved.stem)
        with explain_interrupt(workdir):
            report = train_and_evaluate(config, workdir, data_dir)
        test = report["splits"]["test"]
        scores = f"test BLEU {test['bleu']:.2f}, chrF++ {test['chrf']:.2f}" if "bleu" in test else "no test pairs"
        click.echo(
            f"Done: {report['model']} ({report['parameters']:,} parameters), {report['epochs_run']} epochs, "
            f"{scores}. Outputs in {workdir}."
        )


if __name__ == "__main__":
    main()
