"""Hybrid distortion with levels drawn from a difficulty bucket (RL-Restore / FDR-Net).

``HybridDegrade(bucket='moderate')`` is :class:`Degrade` on the protocol's
blur -> noise -> JPEG chain (:func:`irtoolbox.degradations.hybrid_levels.
hybrid_chain`) whose level triple ``(b, n, q)`` is drawn uniformly per sample
from the bucket's triples (each value then uniformly inside its level's bin).
A dataset may fix the triple of a sample by putting ``hybrid_levels`` in its
data info (:class:`~irtoolbox.datasets.HybridDistortionDataset` does so for
test sets, so that every triple of a bucket is used).

Besides ``Degrade``'s ``degradation_name``, ``degradation_level`` (the triple)
and ``degradation_params``, the sample records ``degradation_bucket`` (the
bucket name) and ``degradation_levels`` (``dict(blur=b, noise=n, jpeg=q)``),
so a metric reports per bucket and per operator level with
``group_by=['degradation_bucket', 'degradation_levels.blur', ...]``.
"""
from typing import Any, List, Optional, Union

from irtoolbox.degradations.hybrid_levels import (
    OPERATOR_KEYS,
    bucket_of,
    hybrid_chain,
    level_triples,
)
from irtoolbox.registry import TRANSFORMS

from .degrade import Degrade


@TRANSFORMS.register_module()
class HybridDegrade(Degrade):
    """Degrade with a level triple of a named bucket (see the module docstring).

    Args:
        bucket: 'mild', 'moderate' or 'severe'. Default: 'moderate'.
        degradation: the three-operator chain; ``None``: the protocol's
            (``hybrid_chain()``). Default: ``None``.
        in_key: the clean image key. Default: 'gt'.
        out_key: the degraded image key. Default: 'img'.
    """

    def __init__(self, bucket: str = 'moderate',
                 degradation: Optional[Union[List[Any], Any]] = None, in_key: str = 'gt',
                 out_key: str = 'img') -> None:
        self.bucket = bucket
        super().__init__(hybrid_chain() if degradation is None else degradation,
                         levels=level_triples(bucket), in_key=in_key, out_key=out_key)
        if self.num_ops != len(OPERATOR_KEYS):
            raise ValueError(f'HybridDegrade: the chain needs 3 operators (blur, noise, jpeg), '
                             f'got {self.name}')

    def transform(self, results: dict) -> dict:
        fixed = results.get('hybrid_levels')
        if fixed is None:
            results = super().transform(results)  # draws the triple from the bucket
        else:
            # The dataset fixed this sample's triple: use it as Degrade's level
            # (the generator is still drawn first, so the values stay seeded).
            drawn_from = self.levels
            self.level, self.levels = self._check_level(tuple(fixed)), None
            try:
                results = super().transform(results)
            finally:
                self.level, self.levels = None, drawn_from
        triple = tuple(int(v) for v in results['degradation_level'])
        results['degradation_level'] = triple
        results['degradation_bucket'] = bucket_of(triple)
        results['degradation_levels'] = dict(zip(OPERATOR_KEYS, triple))
        return results

    def __repr__(self) -> str:
        return f'{type(self).__name__}(bucket={self.bucket!r}, degradation={self.name})'
