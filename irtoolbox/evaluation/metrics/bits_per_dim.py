"""Bits/dim of a conditional degradation model on paired and unpaired images
(Han et al. 2024, Table 1: 0.39 paired vs 2.26 unpaired on CelebA-HQ / JPEG).

The model (``DegradationDensityModel``) writes ``bpd_paired`` and
``bpd_unpaired`` on each data sample; this metric averages them over the test
set (every image has the same number of sub-pixels in a batch, and the mean of
per-image bits/dim is the bits/dim of the set when all images share a size).
"""
from typing import Any, Dict, Optional, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric

from irtoolbox.registry import METRICS


@METRICS.register_module()
class BitsPerDim(BaseMetric):
    """Mean ``bpd_paired`` and ``bpd_unpaired`` (when present) and their gap.

    Args:
        prefix: prefix of the result names. Default: ``None`` (none).
        collect_device: 'cpu' or 'gpu' for collecting across ranks. Default: 'cpu'.
    """

    default_prefix: Optional[str] = ''

    def __init__(self, prefix: Optional[str] = None, collect_device: str = 'cpu') -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Keep each sample's bits/dim values."""
        for sample in data_samples:
            if 'bpd_paired' not in sample:
                raise KeyError(f'BitsPerDim needs bpd_paired on each sample (set by '
                               f'DegradationDensityModel), got keys {sorted(sample)}')
            self.results.append({k: float(sample[k]) for k in ('bpd_paired', 'bpd_unpaired')
                                 if k in sample})

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """``bpd_paired``, and ``bpd_unpaired`` with ``bpd_gap`` (unpaired - paired)."""
        metrics = {'bpd_paired': float(np.mean([r['bpd_paired'] for r in results]))}
        unpaired = [r['bpd_unpaired'] for r in results if 'bpd_unpaired' in r]
        if unpaired:
            metrics['bpd_unpaired'] = float(np.mean(unpaired))
            metrics['bpd_gap'] = metrics['bpd_unpaired'] - metrics['bpd_paired']
        return metrics
