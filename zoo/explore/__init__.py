"""Data exploration reports: `python -m zoo.explore fer ...` and `python -m zoo.explore nmt ...`."""
