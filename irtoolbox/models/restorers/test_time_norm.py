"""Test-time BatchNorm with the batch's own statistics (pix2pix's test mode).

pix2pix (Isola et al., 2017) evaluates its generator without ``model.eval()``
unless asked (``--eval``): every BatchNorm normalises with the statistics of
the test batch itself, i.e. per image at pix2pix's batch size 1, instead of
the running averages gathered in training. ``Restorer(test_cfg=dict(
bn_train_mode=True))`` reproduces this in ``predict``.

Unlike pix2pix, the running statistics are left untouched (pix2pix updates
them as a side effect of its train-mode forward, which only matters if the
model is trained further), and only BatchNorm changes mode: Dropout stays in
evaluation mode, so a prediction is deterministic.
"""
from contextlib import contextmanager
from typing import Iterator

import torch.nn as nn
from torch.nn.modules.batchnorm import _BatchNorm


@contextmanager
def batch_statistics_norm(model: nn.Module) -> Iterator[None]:
    """Inside, every BatchNorm of ``model`` normalises with the batch's statistics.

    A BatchNorm in training mode with ``track_running_stats=False`` calls
    ``F.batch_norm(training=True)`` without running buffers: it uses the
    batch's mean and biased variance and updates nothing. Both flags are
    restored on exit, even after an error.
    """
    saved = [(m, m.training, m.track_running_stats)
             for m in model.modules() if isinstance(m, _BatchNorm)]
    try:
        for module, _, _ in saved:
            module.training = True  # this module only, not its children
            module.track_running_stats = False
        yield
    finally:
        for module, training, track in saved:
            module.training = training
            module.track_running_stats = track
