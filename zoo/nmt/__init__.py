"""English→Kannada translation: text normalisation, tokenizers, recurrent cells and models."""
