"""MMD kernel matrix in pairwise-distance form (issue 22): the values of the
dense difference form (computed here in float64 numpy) and the paper's
1000 x 512 prior set in well under 50 MB of extra peak memory."""
import subprocess
import sys

import numpy as np
import pytest
import torch

from irtoolbox.models.losses.mmd import kernel_matrix


@pytest.mark.parametrize('kernel', ['distance', 'gaussian'])
def test_kernel_matrix_equals_dense_numpy_form(kernel):
    rng = np.random.default_rng(0)
    # latents of a StyleGAN-like prior: an offset mean, unit-ish spread, d = 512
    x = rng.normal(0.3, 1.0, (60, 512))
    y = np.concatenate([rng.normal(0.3, 1.0, (70, 512)), x[:5] + 1e-3])  # near-duplicates
    for a, b in ((x, y), (x, x), (y, y)):
        sq = ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)
        want = np.exp(-np.sqrt(sq) / 512.0) if kernel == 'distance' else np.exp(-sq / 512.0)
        ta = torch.tensor(a, dtype=torch.float32)
        tb = ta if b is a else torch.tensor(b, dtype=torch.float32)
        got = kernel_matrix(ta, tb, 512.0, kernel).double().numpy()
        assert np.abs(got - want).max() < 2e-6


_PEAK = r'''
import resource, torch
from irtoolbox.models.losses.mmd import kernel_matrix
x = torch.randn(16, 512, requires_grad=True)
y = torch.randn(1000, 512)
kernel_matrix(x, x[:4], 512.0).sum().backward()   # first-call allocations not counted
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
k = kernel_matrix(y, y, 512.0).mean() + kernel_matrix(x, y, 512.0).mean()
k.backward()
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024)
'''


def test_paper_size_prior_set_fits_in_50_mb():
    # a fresh process: ru_maxrss is a high-water mark, so it must start low
    out = subprocess.run([sys.executable, '-c', _PEAK], capture_output=True, text=True,
                         check=True, timeout=120)
    extra_mb = float(out.stdout.split()[-1])
    assert extra_mb < 50.0, f'{extra_mb:.0f} MB extra peak for 1000 x 512'
