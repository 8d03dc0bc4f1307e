"""English→Kannada translation: text normalisation, tokenizers, recurrent cells and models."""

from pathlib import Path

# The environment variable and default folder that the translation commands take a trained run
# from when --workdir is not given. They live here, free of heavy imports, so that command-line
# help texts can name them without loading JAX.
WORKDIR_ENV = "ZOO_NMT_WORKDIR"
DEFAULT_WORKDIR = Path("runs") / "nmt_base"
