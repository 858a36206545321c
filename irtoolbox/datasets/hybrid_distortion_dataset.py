"""Clean images and the hybrid-distortion buckets of RL-Restore / FDR-Net.

A :class:`SyntheticPairDataset` whose list holds each clean image
``samples_per_image`` times (e.g. several 63 x 63 patches per image with a
``RandomCrop`` in the pipeline, seeded per index). In test mode, entry ``j``
gets the level triple ``triples[j % len(triples)]`` of its ``bucket`` as
``hybrid_levels``, so a test set of at least ``len(triples)`` entries uses
every triple (163 mild, 434 moderate, 163 severe) and the same triple for an
entry in every run. In training no triple is fixed: ``HybridDegrade`` draws one
per sample and pass. The pipeline must contain ``HybridDegrade``.
"""
from typing import List

from irtoolbox.degradations.hybrid_levels import level_triples
from irtoolbox.registry import DATASETS

from .synthetic_pair_dataset import SyntheticPairDataset


@DATASETS.register_module()
class HybridDistortionDataset(SyntheticPairDataset):
    """Clean images repeated ``samples_per_image`` times, test triples fixed per entry.

    Args:
        bucket: 'mild', 'moderate' or 'severe' (the test triples). Default: 'moderate'.
        samples_per_image: entries per clean image. Default: 1.
        **kwargs: :class:`SyntheticPairDataset` arguments (``data_root``,
            ``data_prefix``, ``pipeline``, ``seed``, ``test_mode`` ...).
    """

    def __init__(self, bucket: str = 'moderate', samples_per_image: int = 1, **kwargs) -> None:
        if samples_per_image < 1:
            raise ValueError(f'HybridDistortionDataset: samples_per_image must be >= 1, got '
                             f'{samples_per_image}')
        self.bucket = bucket
        self.triples = level_triples(bucket)
        self.samples_per_image = int(samples_per_image)
        super().__init__(**kwargs)

    def load_data_list(self) -> List[dict]:
        images = super().load_data_list()
        data_list = []
        for info in images:
            for copy in range(self.samples_per_image):
                entry = dict(info, sample_idx=len(data_list))
                if self.samples_per_image > 1:  # names the saved outputs of one image apart
                    entry['degradation_copy'] = copy
                if self.test_mode:
                    entry['hybrid_levels'] = self.triples[len(data_list) % len(self.triples)]
                data_list.append(entry)
        return data_list
