"""Shared base of the no-reference metrics (NIQE): one image scored alone.

As :class:`BaseRestorationMetric` (rounding to uint8, ``crop_border``,
``group_by``, ``prefix``, ``pred_key``) but ``gt_img`` is neither needed nor
read: ``pred_key='gt_img'`` scores the ground truth, ``'input_img'`` the input.
"""
from typing import Optional, Tuple

import numpy as np

from irtoolbox.utils.image_conventions import describe_sample, image_to_uint8_hwc

from .base_restoration_metric import BaseRestorationMetric, MissingSampleKeyError


class BaseNoReferenceMetric(BaseRestorationMetric):
    """Per-image no-reference metric; subclasses implement :meth:`compute_image` of ``pred``."""

    def _image_pair(self, sample: dict) -> Tuple[np.ndarray, Optional[np.ndarray]]:
        """The scored image as uint8 ``H x W x C``, and ``None`` for the reference."""
        if sample.get(self.pred_key) is None:
            raise MissingSampleKeyError(
                f'{self.metric_name} needs {self.pred_key!r}, missing from the '
                f'{describe_sample(sample)}; its keys are {sorted(sample)}')
        return image_to_uint8_hwc(sample[self.pred_key], self.pred_key, sample), None
