"""The DMoL bin mass in float32 against a float64 numpy oracle (issue 22).

``sigmoid(plus) - sigmoid(minus)`` cancels when both are near 1 (a bin above the
mean); the loss computes that mass as ``sigmoid(-minus) - sigmoid(-plus)`` there.
The oracle is the exact bin mass of a logistic in float64 (edge bins open-ended),
written here with numpy only.
"""
import numpy as np
import torch

from irtoolbox.models.losses.discretized_logistic_mixture_loss import logistic_bin_log_prob


def _oracle_log_mass(x: np.ndarray, mu: np.ndarray, log_s: np.ndarray) -> np.ndarray:
    """log P(bin of x) under Logistic(mu, e^log_s), float64; bins of width 2/255."""
    def cdf(t):
        return 1.0 / (1.0 + np.exp(-(t - mu) / np.exp(log_s)))
    upper = np.where(x > 0.999, 1.0, cdf(x + 1.0 / 255))
    lower = np.where(x < -0.999, 0.0, cdf(x - 1.0 / 255))
    with np.errstate(divide='ignore'):                 # far tails: mass 0 -> -inf, not kept
        return np.log(upper - lower)


def test_float32_bin_mass_within_1e4_nats_of_float64_oracle():
    # moderate parameters: every 8-bit level against means in [-1, 1] and scales
    # e^-4.5 .. 1; compared where the bin mass is clearly above the 1e-5 floor of
    # the tiny-mass branch (that branch is an approximation by design).
    x = (np.arange(256) / 127.5 - 1.0)[:, None, None]
    mu = np.linspace(-1.0, 1.0, 81)[None, :, None]
    log_s = np.linspace(-4.5, 0.0, 19)[None, None, :]
    x, mu, log_s = np.broadcast_arrays(x, mu, log_s)
    want = _oracle_log_mass(x, mu, log_s)
    got = logistic_bin_log_prob(*(torch.tensor(a, dtype=torch.float32) for a in (x, mu, log_s)))
    keep = want > np.log(2e-5)
    err = np.abs(got.double().numpy() - want)[keep]
    assert keep.sum() > 200_000
    # measured: 4.8e-5 with the stable form, 7.5e-3 with sigmoid(plus) - sigmoid(minus)
    assert err.max() <= 1e-4, f'worst float32 error {err.max():.3g} nats'
