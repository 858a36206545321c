"""Datasets, samplers and (in ``transforms``) the data pipeline."""
from . import transforms  # noqa: F401
