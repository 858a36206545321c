"""NIQE (Mittal, Soundararajan and Bovik, "Making a 'completely blind' image
quality analyzer", IEEE SPL 2013), as the authors' MATLAB release computes it.

The image's luma Y (MATLAB ``rgb2ycbcr`` of the uint8 image, itself rounded to
uint8, as MATLAB returns it) is cut into 96 x 96 blocks (the remainder is
dropped, no overlap). At two scales (the image, then ``imresize(0.5)``
bicubic antialiased) the MSCN coefficients (Eq. 1: ``(I - mu) / (sigma + 1)``
with a 7 x 7 Gaussian window of sigma 7/6, borders replicated) of each block
give 18 features (Sec. III-B): an AGGD fit (shape, mean of the two scales) of
the coefficients, and for the four neighbour products (horizontal, vertical,
two diagonals, with circular shifts as MATLAB's ``circshift``) an AGGD fit's
shape, mean (Eq. 8), left and right scale. The AGGD is fitted by moment
matching over the shape grid 0.2:0.001:10 (the release's procedure). The 36
features per block give a multivariate Gaussian (mean; covariance of blocks
without NaN); the score is Eq. 10::

    D = sqrt((mu_p - mu_d)^T ((Sigma_p + Sigma_d) / 2)^+ (mu_p - mu_d))

against the pristine model ``mu_p``, ``Sigma_p`` the authors fitted on 125
natural images: their ``modelparameters.mat`` (``mu_prisparam``,
``cov_prisparam``), or the same numbers as BasicSR's
``basicsr/metrics/niqe_pris_params.npz`` (``mu_pris_param``,
``cov_pris_param``). Lower is better.
"""
import math
from typing import Any, Optional, Tuple

import cv2
import numpy as np

from irtoolbox.registry import METRICS

from ..functional import to_y_channel
from .matlab_imresize import imresize
from .metric_weights import resolve_weights
from .no_reference_metric import BaseNoReferenceMetric

NIQE_PARAMS_NAME = 'niqe_pris_params.npz'
NIQE_PARAMS_SOURCE = ('the basicsr package on PyPI (`pip download basicsr --no-deps`, file '
                      'basicsr/metrics/niqe_pris_params.npz), or modelparameters.mat of the '
                      'authors\' MATLAB release (live.ece.utexas.edu/research/quality/'
                      'niqe_release.zip)')
BLOCK_SIZE = 96
_gamma = np.vectorize(math.gamma, otypes=[np.float64])  # no scipy in the core install
_SHAPES = np.arange(0.2, 10.001, 0.001)  # the release's grid of AGGD shapes
_RATIO = _gamma(2 / _SHAPES) ** 2 / (_gamma(1 / _SHAPES) * _gamma(3 / _SHAPES))
# neighbour offsets (rows, cols) of the paired products: H, V, main and anti diagonal
_SHIFTS = ((0, 1), (1, 0), (1, 1), (1, -1))


def gaussian_window(size: int = 7, sigma: float = 7 / 6) -> np.ndarray:
    """MATLAB ``fspecial('gaussian', size, sigma)``: normalised to sum 1."""
    x = np.arange(size, dtype=np.float64) - (size - 1) / 2
    g = np.exp(-(x[:, None] ** 2 + x[None, :] ** 2) / (2 * sigma ** 2))
    return g / g.sum()


def mscn(img: np.ndarray, window: np.ndarray) -> np.ndarray:
    """Mean-subtracted contrast-normalised coefficients (Eq. 1), borders replicated."""
    def local_mean(x: np.ndarray) -> np.ndarray:  # MATLAB imfilter(..., 'replicate')
        return cv2.filter2D(x, cv2.CV_64F, window, borderType=cv2.BORDER_REPLICATE)

    mu = local_mean(img)
    sigma = np.sqrt(np.abs(local_mean(img * img) - mu * mu))
    return (img - mu) / (sigma + 1)


def fit_aggd(x: np.ndarray) -> Tuple[float, float, float]:
    """Shape, left and right scale of an asymmetric generalised Gaussian (moment matching)."""
    x = x.ravel()
    left = np.sqrt(np.mean(x[x < 0] ** 2))
    right = np.sqrt(np.mean(x[x > 0] ** 2))
    gamma_hat = left / right
    r_hat = np.mean(np.abs(x)) ** 2 / np.mean(x ** 2)
    r_norm = r_hat * (gamma_hat ** 3 + 1) * (gamma_hat + 1) / (gamma_hat ** 2 + 1) ** 2
    alpha = _SHAPES[np.argmin((_RATIO - r_norm) ** 2)]
    factor = math.sqrt(math.gamma(1 / alpha) / math.gamma(3 / alpha))
    return float(alpha), float(left * factor), float(right * factor)


def block_features(block: np.ndarray) -> list:
    """The 18 features of one block of MSCN coefficients (Sec. III-B)."""
    alpha, left, right = fit_aggd(block)
    features = [alpha, (left + right) / 2]
    for shift in _SHIFTS:
        alpha, left, right = fit_aggd(block * np.roll(block, shift, axis=(0, 1)))
        mean = (right - left) * math.gamma(2 / alpha) / math.gamma(1 / alpha)  # Eq. 8
        features += [alpha, mean, left, right]
    return features


def niqe_features(y: np.ndarray, block_size: int = BLOCK_SIZE) -> np.ndarray:
    """``n_blocks x 36`` features of a 2-D luma image on the 0..255 scale."""
    y = np.asarray(y, dtype=np.float64)
    rows, cols = y.shape[0] // block_size, y.shape[1] // block_size
    if rows * cols < 2:  # one block has no covariance (numpy: NaN, then a failed SVD)
        raise ValueError(f'NIQE needs at least two {block_size} x {block_size} blocks (their '
                         f'covariance), got an image of {y.shape[0]} x {y.shape[1]}')
    img = y[:rows * block_size, :cols * block_size]
    window = gaussian_window()
    scales = []
    for scale in (1, 2):
        coeffs = mscn(img, window)
        size = block_size // scale
        scales.append(np.array([block_features(coeffs[r * size:(r + 1) * size,
                                                      c * size:(c + 1) * size])
                                for r in range(rows) for c in range(cols)]))
        if scale == 1:
            img = imresize(img / 255.0, 0.5) * 255.0
    return np.concatenate(scales, axis=1)


def niqe_distance(features: np.ndarray, mu_pristine: np.ndarray,
                  cov_pristine: np.ndarray) -> float:
    """Eq. 10 between the blocks' Gaussian and the pristine one."""
    mu = np.nanmean(features, axis=0)
    cov = np.cov(features[~np.isnan(features).any(axis=1)], rowvar=False)
    diff = np.ravel(mu_pristine) - mu
    return float(np.sqrt(diff @ np.linalg.pinv((cov_pristine + cov) / 2) @ diff))


def load_niqe_params(path: str) -> Tuple[np.ndarray, np.ndarray]:
    """The pristine mean (36,) and covariance (36, 36) from BasicSR's .npz or MATLAB's .mat."""
    if path.endswith('.mat'):
        try:
            from scipy.io import loadmat
        except ImportError:
            raise ImportError(f'reading {path} (MATLAB) needs scipy: pip install scipy, or use '
                              f'BasicSR\'s {NIQE_PARAMS_NAME}') from None
        data = loadmat(path)
        names = ('mu_prisparam', 'cov_prisparam')
    else:
        data = np.load(path)
        names = ('mu_pris_param', 'cov_pris_param')
    if not all(name in data for name in names):
        raise KeyError(f'{path} must hold {names[0]} and {names[1]} (the NIQE pristine model), '
                       f'it holds {sorted(k for k in data.keys() if not k.startswith("__"))}')
    mu = np.asarray(data[names[0]], dtype=np.float64).ravel()
    cov = np.asarray(data[names[1]], dtype=np.float64)
    if mu.shape != (36,) or cov.shape != (36, 36):
        raise ValueError(f'{path}: the NIQE pristine model is a 36-vector and a 36 x 36 matrix, '
                         f'got {mu.shape} and {cov.shape}')
    return mu, cov


def niqe(img: np.ndarray, mu_pristine: np.ndarray, cov_pristine: np.ndarray,
         channel_order: str = 'rgb', crop_border: int = 0) -> float:
    """NIQE of a uint8 ``H x W x C`` (or ``H x W``) image; lower is better."""
    img = np.asarray(img)
    if img.ndim == 3 and img.shape[2] == 3:
        y = np.round(to_y_channel(img, channel_order)[..., 0])  # MATLAB rgb2ycbcr(uint8)
    elif img.ndim == 3 and img.shape[2] == 1:
        y = img[..., 0]
    elif img.ndim == 2:
        y = img
    else:
        raise ValueError(f'NIQE takes a gray or 3-channel image, got shape {img.shape}')
    if crop_border:
        y = y[crop_border:-crop_border, crop_border:-crop_border]
    return niqe_distance(niqe_features(y), mu_pristine, cov_pristine)


@METRICS.register_module()
class NIQE(BaseNoReferenceMetric):
    """Natural image quality evaluator of ``pred_img`` (no reference), overall and per group.

    Args:
        params_path: the pristine model (``niqe_pris_params.npz`` of BasicSR or
            ``modelparameters.mat`` of the MATLAB release); ``None`` means
            ``checkpoints/metrics/niqe_pris_params.npz``. A missing file stops
            the evaluator when built, naming where to get it.
        **kwargs: as :class:`BaseRestorationMetric` (``crop_border``,
            ``group_by``, ``prefix``, ``pred_key``...). NIQE is always computed
            on Y, so ``test_y_channel`` is not taken.
    """

    metric_name = 'NIQE'

    def __init__(self, params_path: Optional[str] = None, **kwargs: Any) -> None:
        if kwargs.get('test_y_channel'):
            raise TypeError('NIQE is always computed on the Y channel; remove test_y_channel')
        super().__init__(**kwargs)
        self.params_path = resolve_weights(params_path, NIQE_PARAMS_NAME,
                                           'the NIQE pristine model', NIQE_PARAMS_SOURCE)
        self.mu_pristine, self.cov_pristine = load_niqe_params(self.params_path)

    def compute_image(self, pred: np.ndarray, gt: None, channel_order: str) -> float:
        """NIQE of one uint8 ``H x W x C`` image."""
        return niqe(pred, self.mu_pristine, self.cov_pristine, channel_order, self.crop_border)
