"""Metrics (MATLAB/BasicSR conventions); members register themselves on import."""
from .base_restoration_metric import BaseRestorationMetric
from .bits_per_dim import BitsPerDim
from .cnniqa import CNNIQA
from .fid import FID
from .lpips import LPIPS
from .mae import MAE
from .ms_ssim import MSSSIM  # needs the metrics extra when built, not on import
from .niqe import NIQE
from .psnr import PSNR
from .rankiqa import RankIQA
from .realblur_aligned import RealBlurPSNR, RealBlurSSIM
from .signed_range_error import SignedL1, SignedL2
from .ssim import SSIM

__all__ = ['BaseRestorationMetric', 'BitsPerDim', 'CNNIQA', 'FID', 'LPIPS', 'MAE', 'MSSSIM', 'NIQE',
           'PSNR', 'RankIQA', 'RealBlurPSNR', 'RealBlurSSIM', 'SignedL1', 'SignedL2', 'SSIM']
