"""Metrics (MATLAB/BasicSR conventions); members register themselves on import."""
from .base_restoration_metric import BaseRestorationMetric
from .mae import MAE
from .psnr import PSNR
from .ssim import SSIM

__all__ = ['BaseRestorationMetric', 'MAE', 'PSNR', 'SSIM']
