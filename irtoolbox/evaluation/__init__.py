"""Evaluation: importing this registers the metrics."""
from . import metrics  # noqa: F401
