"""``test_cfg=dict(bn_train_mode=True)``: BatchNorm with the test batch's own
statistics, as pix2pix evaluates, checked against numpy written out by hand.

The backbone is a single affine BatchNorm with known running statistics, so
the expected prediction is ``clamp(denorm(w * (x - mean) / sqrt(var + eps) + b))``
with the mean and biased variance of the (normalised) batch per channel.
"""
import numpy as np
import pytest
import torch
import torch.nn as nn
from mmengine.model import BaseModule

from irtoolbox.registry import MODELS
from irtoolbox.structures import RestorationDataSample

EPS = 1e-5
RUNNING_MEAN, RUNNING_VAR = np.array([0.3, 0.5, 0.7]), np.array([0.04, 0.09, 0.01])


@MODELS.register_module(force=True)
class _BNProbe(BaseModule):
    """One BatchNorm2d(3) with fixed affine weights and running statistics."""

    def __init__(self, weight: float = 0.2, bias: float = 0.5, init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.bn = nn.BatchNorm2d(3, eps=EPS)
        with torch.no_grad():
            self.bn.weight.fill_(weight)
            self.bn.bias.fill_(bias)
            self.bn.running_mean.copy_(torch.tensor(RUNNING_MEAN))
            self.bn.running_var.copy_(torch.tensor(RUNNING_VAR))
        self.bn.num_batches_tracked.fill_(7)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: ``N x 3 x H x W``. Returns: the same shape, batch-normalised."""
        return self.bn(x)


def _images(n, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.uniform(0, 1, (3, 4, 5)).astype(np.float32) for _ in range(n)]


def _predict(model, images):
    data = dict(inputs=[torch.from_numpy(x) for x in images],
                data_samples=[RestorationDataSample() for _ in images])
    return np.stack([s.pred_img.numpy() for s in model.val_step(data)])


def _by_hand(images, weight, bias, norm_mean=0.0, norm_std=1.0, batch_stats=True):
    x = (np.stack(images).astype(np.float64) - norm_mean) / norm_std
    if batch_stats:
        mean = x.mean(axis=(0, 2, 3), keepdims=True)
        var = ((x - mean) ** 2).mean(axis=(0, 2, 3), keepdims=True)  # biased, as BN
    else:
        mean, var = RUNNING_MEAN.reshape(1, 3, 1, 1), RUNNING_VAR.reshape(1, 3, 1, 1)
    y = weight * (x - mean) / np.sqrt(var + EPS) + bias
    return np.clip(y * norm_std + norm_mean, 0, 1)


def _bn_state(model):
    bn = model.backbone.bn
    return (bn.training, bn.track_running_stats, bn.running_mean.clone(),
            bn.running_var.clone(), bn.num_batches_tracked.clone())


def _assert_state(model, state):
    now = _bn_state(model)
    assert now[:2] == state[:2]
    for a, b in zip(now[2:], state[2:]):
        assert torch.equal(a, b)


@pytest.mark.parametrize('batch', [1, 3])
def test_restorer_predicts_with_batch_statistics(batch):
    model = MODELS.build(dict(type='Restorer', backbone=dict(type='_BNProbe'),
                              test_cfg=dict(bn_train_mode=True))).eval()
    state = _bn_state(model)
    images = _images(batch)
    np.testing.assert_allclose(_predict(model, images), _by_hand(images, 0.2, 0.5),
                               atol=1e-5)
    _assert_state(model, state)  # eval mode kept; running statistics untouched
    # at batch size 1 the statistics are each image's own (pix2pix's test setting)
    if batch == 1:
        other = _images(1, seed=1)
        np.testing.assert_allclose(_predict(model, other), _by_hand(other, 0.2, 0.5),
                                   atol=1e-5)


def test_default_uses_running_statistics():
    model = MODELS.build(dict(type='Restorer', backbone=dict(type='_BNProbe'))).eval()
    images = _images(2)
    np.testing.assert_allclose(_predict(model, images),
                               _by_hand(images, 0.2, 0.5, batch_stats=False), atol=1e-5)


def test_gan_restorer_option_in_its_normalised_range():
    model = MODELS.build(dict(
        type='GANRestorer', backbone=dict(type='_BNProbe', weight=0.4, bias=0.0),
        discriminator=dict(type='PatchDiscriminator', base_channels=2, num_layers=1),
        test_cfg=dict(bn_train_mode=True))).eval()
    state = _bn_state(model)
    images = _images(2)
    expected = _by_hand(images, 0.4, 0.0, norm_mean=0.5, norm_std=0.5)
    np.testing.assert_allclose(_predict(model, images), expected, atol=1e-5)
    _assert_state(model, state)


def test_state_restored_after_an_error():
    model = MODELS.build(dict(type='Restorer', backbone=dict(type='_BNProbe'),
                              test_cfg=dict(bn_train_mode=True))).eval()
    state = _bn_state(model)
    with pytest.raises(RuntimeError):
        with model.test_time_norm():
            assert model.backbone.bn.training and not model.backbone.bn.track_running_stats
            raise RuntimeError('inside')
    _assert_state(model, state)
