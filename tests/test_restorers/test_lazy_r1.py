"""StyleGAN2's lazy R1 regularisation in ``UnconditionalGAN`` (Karras et al., CVPR
2020, Sec. 3.1): with ``r1_interval`` = k the penalty is computed at the D steps of
Runner iterations 0, k, 2k, ... with weight ``k * gamma / 2``, and not at the others.

The discriminator is a 1x1 convolution ``D(y) = w . y + b`` (mmcv's registered
``Conv2d``), so the gradient of its summed score map with respect to each pixel is
``w`` and the penalty is by hand ``k * gamma / 2 * H * W * ||w||^2``.
"""
import pytest
import torch
from mmengine.logging import MessageHub
from mmengine.optim import OptimWrapper, OptimWrapperDict

import irtoolbox.models  # noqa: F401  (registers every part)
from irtoolbox.registry import MODELS
from irtoolbox.structures import RestorationDataSample

TINY_G = dict(type='StyleGAN2Generator', resolution=8, z_dim=4, w_dim=4,
              mapping_layers=1, channel_base=32, channel_max=4)
LINEAR_D = dict(type='Conv2d', in_channels=3, out_channels=1, kernel_size=1)


def _model(r1_weight: float, r1_interval: int = 1):
    torch.manual_seed(0)
    model = MODELS.build(dict(type='UnconditionalGAN', generator=TINY_G,
                              discriminator=LINEAR_D, r1_weight=r1_weight,
                              r1_interval=r1_interval)).double()
    model.init_weights()
    return model


def _hand_penalty(model, gamma: float, k: int, size: int) -> torch.Tensor:
    w = model.discriminator.weight.detach()
    return k * gamma / 2 * size * size * w.pow(2).sum()


def _at_iteration(iteration: int) -> None:
    MessageHub.get_current_instance().update_info('iter', iteration)


@pytest.mark.parametrize('k', [1, 4])
def test_penalty_at_every_kth_step_weighted_k(k):
    model = _model(r1_weight=3.0, r1_interval=k)
    real, fake = torch.randn(2, 3, 8, 8, dtype=torch.double), torch.randn(2, 3, 8, 8).double()
    try:
        for iteration in range(9):
            _at_iteration(iteration)
            losses = model.discriminator_losses(None, real, fake)
            if iteration % k:
                assert 'loss_d_r1' not in losses, iteration
            else:
                assert torch.allclose(losses['loss_d_r1'], _hand_penalty(model, 3.0, k, 8)), \
                    (iteration, losses['loss_d_r1'])
    finally:
        _at_iteration(0)


def test_train_step_regularises_at_its_iterations():
    model = _model(r1_weight=2.0, r1_interval=2).float()
    images = [torch.rand(3, 8, 8) for _ in range(2)]
    data = dict(inputs=images, data_samples=[RestorationDataSample() for _ in images])
    wrappers = OptimWrapperDict(
        generator=OptimWrapper(torch.optim.SGD(model.backbone.parameters(), lr=0.0)),
        discriminator=OptimWrapper(torch.optim.SGD(model.discriminator.parameters(), lr=0.0)))
    seen = {}
    try:
        for iteration in range(4):
            _at_iteration(iteration)
            logs = model.train_step(data, wrappers)
            seen[iteration] = logs.get('loss_d_r1')
    finally:
        _at_iteration(0)
    expected = _hand_penalty(model, 2.0, 2, 8).float()
    assert seen[1] is None and seen[3] is None
    for iteration in (0, 2):
        assert torch.allclose(seen[iteration], expected, rtol=1e-5), (iteration, seen)


@pytest.mark.parametrize('k', [0, 2.5])
def test_bad_interval_is_refused(k):
    with pytest.raises(ValueError, match='r1_interval'):
        _model(r1_weight=1.0, r1_interval=k)
