"""Maximum mean discrepancy between optimised latents and prior samples.

Han et al. (2024), Sec. 3.1, Eq. 6-7 (after Gretton et al., JMLR 2012): the k
layer-wise latents ``w_1..w_k`` of a restoration are treated as samples of a
distribution q_W, pulled towards the prior p_W represented by k' samples
``w'_j`` (the generator's mapping network applied to Gaussian noise)::

    d^2 = 1/k^2  sum_ij K(w_i, w_j) + 1/k'^2 sum_ij K(w'_i, w'_j)
          - 2/(k k') sum_ij K(w_i, w'_j)                           (Eq. 7, biased)

The unbiased estimator leaves out the diagonal terms of the first two sums and
divides them by k(k - 1) and k'(k' - 1). Kernels:

- ``'distance'``: ``exp(-||x - y||_2 / gamma)``, Eq. 7 as printed (default);
- ``'gaussian'``: ``exp(-||x - y||_2^2 / gamma)``, the usual Gaussian kernel.

gamma = 512 (Sec. 4.1). The distance is taken as ``sqrt(max(d^2, 1e-30))`` so
that the gradient of the (biased) diagonal terms is zero instead of NaN.
"""
from typing import Optional

import torch
from mmengine.model import BaseModule

from irtoolbox.registry import MODELS

KERNELS = ('distance', 'gaussian')
ESTIMATORS = ('biased', 'unbiased')


def kernel_matrix(x: torch.Tensor, y: torch.Tensor, gamma: float,
                  kernel: str = 'distance') -> torch.Tensor:
    """``K(x_i, y_j)`` for x: n x d and y: m x d. Returns: n x m.

    Squared distances as ``|x|^2 + |y|^2 - 2 x.y`` (one n x m matrix product, not
    an n x m x d difference tensor: 4 MB instead of ~2 GB at 1000 x 1000 x 512),
    after moving both sets by the mean of y (distances unchanged, norms smaller).
    The expansion subtracts numbers of size |x|^2 to get a small distance, so it
    is done in float64 (8 MB at 1000 x 1000): in float32 a pair 0.02 apart in 512
    dimensions would be off by 9e-6 in the distance kernel. A set against itself
    gets an exact zero diagonal (so the distance kernel's gradient there stays
    zero, as with the difference form)."""
    centre = y.detach().mean(0, keepdim=True)
    xc = (x - centre).double()
    yc = xc if x is y else (y - centre).double()
    sq = (xc.pow(2).sum(1, keepdim=True) + yc.pow(2).sum(1).unsqueeze(0)
          - 2.0 * xc @ yc.t()).clamp_min(0.0).to(x.dtype)
    if x is y:
        eye = torch.eye(x.shape[0], dtype=torch.bool, device=sq.device)
        sq = sq.masked_fill(eye, 0.0)
    if kernel == 'distance':
        return torch.exp(-sq.clamp_min(1e-30).sqrt() / gamma)
    if kernel == 'gaussian':
        return torch.exp(-sq / gamma)
    raise ValueError(f'MMD kernel must be one of {KERNELS}, got {kernel!r}')


def _mean_within(k: torch.Tensor, unbiased: bool) -> torch.Tensor:
    n = k.shape[0]
    if not unbiased:
        return k.mean()
    if n < 2:
        raise ValueError('the unbiased MMD estimator needs at least 2 samples per set')
    return (k.sum() - k.diagonal().sum()) / (n * (n - 1))


def mmd2(x: torch.Tensor, y: torch.Tensor, gamma: float = 512.0, kernel: str = 'distance',
         estimator: str = 'biased', yy_term: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Squared MMD between the sets x: n x d and y: m x d (Eq. 7). ``yy_term``: the
    mean within y, when already known (it does not depend on x)."""
    if estimator not in ESTIMATORS:
        raise ValueError(f'MMD estimator must be one of {ESTIMATORS}, got {estimator!r}')
    if x.dim() != 2 or y.dim() != 2 or x.shape[1] != y.shape[1]:
        raise ValueError(f'MMD needs two n x d sets of one d, got {tuple(x.shape)} and '
                         f'{tuple(y.shape)}')
    unbiased = estimator == 'unbiased'
    if yy_term is None:
        yy_term = _mean_within(kernel_matrix(y, y, gamma, kernel), unbiased)
    return (_mean_within(kernel_matrix(x, x, gamma, kernel), unbiased) + yy_term
            - 2.0 * kernel_matrix(x, y, gamma, kernel).mean())


@MODELS.register_module()
class MMDLoss(BaseModule):
    """``loss_weight * MMD^2(latents, prior samples)`` (Eq. 6-7).

    Args:
        gamma: kernel bandwidth. Default: 512.0.
        kernel: 'distance' (Eq. 7 as printed) or 'gaussian'. Default: 'distance'.
        estimator: 'biased' (Eq. 7) or 'unbiased'. Default: 'biased'.
        loss_weight: the lambda of the restoration objective. Default: 1.0.
        init_cfg: unused (a loss has no weights). Default: ``None``.
    """

    def __init__(self, gamma: float = 512.0, kernel: str = 'distance',
                 estimator: str = 'biased', loss_weight: float = 1.0,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if kernel not in KERNELS:
            raise ValueError(f'MMDLoss: kernel must be one of {KERNELS}, got {kernel!r}')
        if estimator not in ESTIMATORS:
            raise ValueError(f'MMDLoss: estimator must be one of {ESTIMATORS}, got {estimator!r}')
        self.gamma, self.kernel, self.estimator = float(gamma), kernel, estimator
        self.loss_weight = loss_weight
        # the within-prior mean is constant during a restoration (the prior samples are
        # drawn once): computed once per prior tensor, not at every step
        self._prior_ref: Optional[torch.Tensor] = None   # kept alive: `is` stays reliable
        self._prior_version = -1
        self._prior_term: Optional[torch.Tensor] = None

    def forward(self, latents: torch.Tensor, prior: torch.Tensor) -> torch.Tensor:
        """latents: k x d optimised latents; prior: k' x d prior samples. Returns: a scalar."""
        yy_term = None
        if not prior.requires_grad:
            if prior is not self._prior_ref or prior._version != self._prior_version:
                self._prior_ref, self._prior_version = prior, prior._version
                self._prior_term = _mean_within(kernel_matrix(prior, prior, self.gamma,
                                                              self.kernel),
                                                self.estimator == 'unbiased')
            yy_term = self._prior_term
        return self.loss_weight * mmd2(latents, prior, self.gamma, self.kernel, self.estimator,
                                       yy_term)
