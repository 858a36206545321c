"""JPEG compression, the third stage of the hybrid-distortion protocol
(RL-Restore / FDR-Net), through OpenCV's libjpeg (``cv2.imencode`` /
``cv2.imdecode``) on the uint8-rounded image. Level table of qualities
[100, 80, 60, 50, 40, 35, 30, 25, 20, 15, 10].

OpenCV encodes BGR: an RGB image is reversed before encoding and after
decoding, so the chroma subsampling acts on the true colours.
"""
from typing import Optional, Sequence, Tuple

import cv2
import numpy as np

from irtoolbox.registry import DEGRADATIONS
from irtoolbox.utils.image_conventions import check_channel_order

from .base import BaseDegradation, Params, check_image, check_range


@DEGRADATIONS.register_module()
class JPEGCompression(BaseDegradation):
    """JPEG round trip at an integer quality (no torch side: not linear).

    Args:
        quality_range: (min, max) quality used when ``level`` is None.
        levels: level table of qualities (default RL-Restore's, decreasing).
        channel_order: 'rgb' or 'bgr', the order of the images given to it.
    """

    default_levels = (100, 80, 60, 50, 40, 35, 30, 25, 20, 15, 10)

    def __init__(self, quality_range: Tuple[int, int] = (10, 100),
                 levels: Optional[Sequence[int]] = None, channel_order: str = 'rgb') -> None:
        super().__init__(levels)
        self.quality_range = check_range(quality_range, self.name, 'quality_range', 0, 100)
        check_channel_order(channel_order, where=f' ({self.name})')
        self.channel_order = channel_order

    def sample_params(self, rng: np.random.Generator, level: Optional[int] = None) -> Params:
        quality = self._draw(rng, level, self.quality_range, integer=True)
        return self._new_params(level, quality=quality)

    def apply(self, img: np.ndarray, params: Params) -> np.ndarray:
        img = check_image(img, self.name)
        quality = int(self._get(params, 'quality'))
        channels = img.shape[2]
        if channels not in (1, 3):
            raise ValueError(f'{self.name}: JPEG needs 1 or 3 channels, got {channels}')
        u8 = np.clip(np.rint(img * 255.0), 0, 255).astype(np.uint8)
        flip = channels == 3 and self.channel_order == 'rgb'
        src = np.ascontiguousarray(u8[..., ::-1] if flip else u8[..., 0] if channels == 1 else u8)
        ok, buf = cv2.imencode('.jpg', src, [int(cv2.IMWRITE_JPEG_QUALITY), quality])
        if not ok:
            raise RuntimeError(f'{self.name}: cv2.imencode failed for shape {img.shape}')
        dec = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)
        dec = dec[..., None] if dec.ndim == 2 else dec[..., ::-1] if flip else dec
        return dec.astype(np.float32) / np.float32(255.0)
