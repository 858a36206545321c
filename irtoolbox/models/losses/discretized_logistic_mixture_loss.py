"""Discretized logistic mixture likelihood of PixelCNN++ (Salimans et al., ICLR
2017, Sec. 2.1-2.2, Eq. 2), used by the degradation model of Han et al.
("Perceptual image restoration with high-quality priori and degradation
learning", Sec. 3.2; the paper writes "mixture of univariate Gaussian" but keeps
PixelCNN++'s likelihood: this is the discretized *logistic* mixture).

Sub-pixel values ``x`` lie in [-1, 1] on 256 levels (bins of width 2/255). For
a component with mean ``mu`` and log-scale ``s`` (clamped at -7), with
``plus = e^-s (x - mu + 1/255)`` and ``minus = e^-s (x - mu - 1/255)``::

    log p(x) = log sigmoid(plus)                 x < -0.999   (bin 0 takes (-inf, .])
             = log(1 - sigmoid(minus))           x >  0.999   (bin 255 takes [., inf))
             = log(sigmoid(plus) - sigmoid(minus))  if that mass > 1e-5
             (computed as sigmoid(-minus) - sigmoid(-plus) when x > mu:
             the same mass without float32 cancellation near the upper tail)
             = log pdf(mid) - log 127.5           otherwise (float32-safe tiny mass)

Channels are autoregressive inside a pixel through the means (Eq. 3 of
PixelCNN++): ``mu_G += c0 x_R``, ``mu_B += c1 x_R + c2 x_G`` with the true
(or already sampled) values and ``c = tanh(.)``; a pixel's log-likelihood is
``logsumexp_k(log pi_k + sum_c log p_k(x_c))``.

Parameter layout of the network output (``N x P x H x W``, channels first),
for ``K`` components and ``C`` colour channels::

    [K logits | C*K means | C*K log-scales | C(C-1)/2*K coefficients]

(``P = 10 K`` for RGB), means indexed ``[c * K + k]``, coefficients ordered
(G<-R, B<-R, B<-G). bits/dim = NLL / (number of sub-pixels * ln 2).
"""
import math
from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule

from irtoolbox.registry import MODELS

LOG_SCALE_MIN = -7.0


def num_mixture_params(channels: int, num_mix: int) -> int:
    """Output channels of a network predicting a ``num_mix`` mixture over ``channels``."""
    return num_mix * (1 + 2 * channels + channels * (channels - 1) // 2)


def split_params(params: torch.Tensor, channels: int) -> Tuple[torch.Tensor, ...]:
    """``(logits N x K x ..., means N x C x K x ..., log_scales N x C x K x ...,
    coeffs N x C(C-1)/2 x K x ...)``; log-scales clamped at -7, coefficients tanh'ed."""
    per = 1 + 2 * channels + channels * (channels - 1) // 2
    if params.shape[1] % per != 0:
        raise ValueError(f'mixture parameters: {params.shape[1]} channels is not a multiple '
                         f'of {per} (the parameters of one component over {channels} channels)')
    k = params.shape[1] // per
    rest = params.shape[2:]
    logits = params[:, :k]
    means = params[:, k:k + channels * k].reshape(params.shape[0], channels, k, *rest)
    start = k + channels * k
    log_scales = params[:, start:start + channels * k].reshape(params.shape[0], channels, k, *rest)
    log_scales = log_scales.clamp_min(LOG_SCALE_MIN)
    start += channels * k
    coeffs = torch.tanh(params[:, start:].reshape(params.shape[0], -1, k, *rest))
    return logits, means, log_scales, coeffs


def conditional_means(means: torch.Tensor, coeffs: torch.Tensor,
                      x: torch.Tensor) -> torch.Tensor:
    """Means made autoregressive over channels: ``mu_c + sum_{c'<c} coeff x_c'``.

    means: N x C x K x ...; coeffs: N x C(C-1)/2 x K x ...; x: N x C x ... in [-1, 1].
    """
    channels = means.shape[1]
    out = [means[:, 0]]
    idx = 0
    for c in range(1, channels):
        mu = means[:, c]
        for prev in range(c):
            mu = mu + coeffs[:, idx] * x[:, prev].unsqueeze(1)
            idx += 1
        out.append(mu)
    return torch.stack(out, dim=1)


def logistic_bin_log_prob(x: torch.Tensor, mean: torch.Tensor, log_scale: torch.Tensor,
                          num_bins: int = 256) -> torch.Tensor:
    """Log-probability of the bin of ``x`` under a logistic (broadcasting), with the
    edge bins and the tiny-mass branch of the module docstring."""
    half = 1.0 / (num_bins - 1)
    centered = x - mean
    inv_scale = torch.exp(-log_scale)
    plus = inv_scale * (centered + half)
    minus = inv_scale * (centered - half)
    log_cdf_plus = plus - F.softplus(plus)            # log sigmoid(plus)
    log_one_minus_cdf_minus = -F.softplus(minus)      # log (1 - sigmoid(minus))
    # sigmoid(plus) - sigmoid(minus) loses digits in float32 above the mean, where
    # both are near 1; there the same mass is sigmoid(-minus) - sigmoid(-plus),
    # a difference of two small numbers (5.7e-3 against ~1e-4 nats worst case).
    above = centered > 0
    cdf_delta = torch.where(above, torch.sigmoid(-minus) - torch.sigmoid(-plus),
                            torch.sigmoid(plus) - torch.sigmoid(minus))
    mid = inv_scale * centered
    log_pdf_mid = mid - log_scale - 2.0 * F.softplus(mid)
    inner = torch.where(cdf_delta > 1e-5, torch.log(cdf_delta.clamp_min(1e-12)),
                        log_pdf_mid - math.log((num_bins - 1) / 2.0))
    edge = 1.0 - 1e-3
    return torch.where(x < -edge, log_cdf_plus,
                       torch.where(x > edge, log_one_minus_cdf_minus, inner))


def mixture_log_prob(params: torch.Tensor, x: torch.Tensor, num_bins: int = 256) -> torch.Tensor:
    """Per-pixel log-likelihood (nats).

    params: N x P x H x W network output; x: N x C x H x W in [-1, 1] on ``num_bins``
    levels. Returns: N x H x W.
    """
    channels = x.shape[1]
    logits, means, log_scales, coeffs = split_params(params, channels)
    means = conditional_means(means, coeffs, x)
    per_channel = logistic_bin_log_prob(x.unsqueeze(2), means, log_scales, num_bins)
    return torch.logsumexp(per_channel.sum(dim=1) + F.log_softmax(logits, dim=1), dim=1)


def bits_per_dim(nll_nats: torch.Tensor, num_subpixels: int) -> torch.Tensor:
    """NLL (nats, summed over ``num_subpixels``) in bits per sub-pixel."""
    return nll_nats / (num_subpixels * math.log(2.0))


@MODELS.register_module()
class DiscretizedLogisticMixtureLoss(BaseModule):
    """Negative log-likelihood of 8-bit images under the predicted mixture.

    Args:
        unit: 'bits_per_dim' (NLL / (sub-pixels ln 2)) or 'nats_per_dim'. The
            mean is over all sub-pixels of the batch either way. Default:
            'bits_per_dim'.
        num_bins: quantisation levels of the data. Default: 256.
        loss_weight: multiplies the loss. Default: 1.0.
        init_cfg: unused (a loss has no weights). Default: ``None``.
    """

    def __init__(self, unit: str = 'bits_per_dim', num_bins: int = 256,
                 loss_weight: float = 1.0, init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if unit not in ('bits_per_dim', 'nats_per_dim'):
            raise ValueError(f"DiscretizedLogisticMixtureLoss: unit must be 'bits_per_dim' or "
                             f"'nats_per_dim', got {unit!r}")
        self.unit = unit
        self.num_bins = num_bins
        self.loss_weight = loss_weight

    def per_image_nll(self, params: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """N NLLs in nats (each summed over the image's sub-pixels)."""
        return -mixture_log_prob(params, target, self.num_bins).flatten(1).sum(1)

    def forward(self, params: torch.Tensor, target: torch.Tensor,
                weight: Optional[torch.Tensor] = None) -> torch.Tensor:
        """params: N x P x H x W mixture parameters; target: N x C x H x W in [-1, 1].

        Returns: a scalar, the mean NLL per sub-pixel in ``unit`` times ``loss_weight``.
        """
        if params.shape[0] != target.shape[0] or params.shape[2:] != target.shape[2:]:
            raise ValueError(f'DiscretizedLogisticMixtureLoss: parameters {tuple(params.shape)} '
                             f'and target {tuple(target.shape)} differ in batch or size')
        nll = self.per_image_nll(params, target).sum() / target.numel()
        if self.unit == 'bits_per_dim':
            nll = nll / math.log(2.0)
        return self.loss_weight * nll


def sample_from_mixture(params: torch.Tensor, channels: int, gumbel_u: torch.Tensor,
                        logistic_u: torch.Tensor, num_bins: Optional[int] = 256) -> torch.Tensor:
    """One draw per pixel given uniform draws (Gumbel-max over components, then the
    logistic inverse CDF channel by channel, R then G then B, clipped to [-1, 1]).

    params: N x P (one pixel per row) or N x P x H x W; gumbel_u: N x K (x H x W);
    logistic_u: N x C (x H x W), uniforms in (0, 1). ``num_bins``: round to the
    centre of the 8-bit bin (the data are 8-bit); ``None`` keeps the continuous value.
    Returns: N x C (x H x W) in [-1, 1].
    """
    logits, means, log_scales, coeffs = split_params(params, channels)
    eps = 1e-5
    gumbel = -torch.log(-torch.log(gumbel_u.clamp(eps, 1.0 - eps)))
    choice = (logits + gumbel).argmax(dim=1, keepdim=True)           # N x 1 (x H x W)

    def pick(t: torch.Tensor) -> torch.Tensor:                       # N x C' x K -> N x C'
        index = choice.unsqueeze(1).expand(t.shape[0], t.shape[1], *choice.shape[1:])
        return t.gather(2, index).squeeze(2)

    mu, log_s, coeff = pick(means), pick(log_scales), pick(coeffs)
    u = logistic_u.clamp(eps, 1.0 - eps)
    noise = torch.exp(log_s) * (torch.log(u) - torch.log1p(-u))
    values = []
    idx = 0
    for c in range(channels):
        value = mu[:, c] + noise[:, c]
        for prev in range(c):
            value = value + coeff[:, idx] * values[prev]
            idx += 1
        value = value.clamp(-1.0, 1.0)
        if num_bins is not None:
            half_levels = (num_bins - 1) / 2.0
            value = torch.round((value + 1.0) * half_levels) / half_levels - 1.0
        values.append(value)
    return torch.stack(values, dim=1)


