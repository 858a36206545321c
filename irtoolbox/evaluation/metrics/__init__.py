"""Metrics (MATLAB/BasicSR conventions); members register themselves on import."""
from .base_restoration_metric import BaseRestorationMetric
from .mae import MAE
from .psnr import PSNR
from .signed_range_error import SignedL1, SignedL2
from .ssim import SSIM

__all__ = ['BaseRestorationMetric', 'MAE', 'PSNR', 'SignedL1', 'SignedL2', 'SSIM']
