"""LPIPS against the authors' ``lpips`` package, and its defining properties.

Oracle (hand-off): ``lpips`` 0.1.4 (AlexNet, version 0.1) with the same
seeded backbone and heads (``seeded_weights.py``), printed by
``tests/test_evaluation/perceptual_oracles.py`` (commands in its docstring).
The published ImageNet weights are not needed: the tests write the seeded
ones to files in torchvision's and the package's layouts and load those.
Properties on real photographs: d(x, x) = 0, d(x, y) = d(y, x), and the
distance grows with the noise.
"""
import numpy as np
import pytest
import skimage.data
import torch
from mmengine.evaluator import Evaluator
from mmengine.registry import DefaultScope
from seeded_weights import (  # tests/test_evaluation/, on sys.path under pytest
    ALEX_FEATURE_SHAPES,
    ALEX_WIDTHS,
    seeded_lpips_heads,
    seeded_state_dict,
)

from irtoolbox.evaluation.metrics import LPIPS
from irtoolbox.evaluation.metrics.lpips import LPIPSNet
from irtoolbox.structures.data_sample import RestorationDataSample

LPIPS_PACKAGE = {('astronaut', 5): 0.0012460608268156648,
                 ('astronaut', 20): 0.016475815325975418,
                 ('coffee', 5): 0.0014962508575990796,
                 ('coffee', 20): 0.016573293134570122}


def _noisy(image, sigma, seed=0):
    noise = np.random.default_rng(seed).normal(0, sigma, image.shape)
    return np.clip(image + noise, 0, 255).round().astype(np.uint8)


def _crop(photo):
    return getattr(skimage.data, photo)()[:96, :128]


@pytest.fixture(scope='module')
def weight_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp('lpips')
    backbone = dict(seeded_state_dict(ALEX_FEATURE_SHAPES, seed=0),
                    **{'classifier.1.weight': torch.zeros(4096, 9216)})  # ignored, as the file's
    torch.save(backbone, folder / 'alexnet.pth')
    torch.save(seeded_lpips_heads(ALEX_WIDTHS, seed=0), folder / 'alex_heads.pth')
    return str(folder / 'alexnet.pth'), str(folder / 'alex_heads.pth')


@pytest.fixture(scope='module')
def metric(weight_files):
    return LPIPS(backbone_path=weight_files[0], head_path=weight_files[1])


@pytest.mark.parametrize('photo,sigma', sorted(LPIPS_PACKAGE))
def test_matches_the_lpips_package(metric, photo, sigma):
    gt = _crop(photo)
    value = metric.compute_image(_noisy(gt, sigma), gt, 'rgb')
    assert value == pytest.approx(LPIPS_PACKAGE[photo, sigma], rel=1e-5)


@pytest.mark.parametrize('photo', ['astronaut', 'coffee', 'chelsea'])
def test_identity_symmetry_and_order_on_photos(metric, photo):
    gt = _crop(photo)
    assert metric.compute_image(gt, gt, 'rgb') == 0.0
    pred = _noisy(gt, 10)
    assert metric.compute_image(pred, gt, 'rgb') == pytest.approx(
        metric.compute_image(gt, pred, 'rgb'), rel=1e-6)
    values = [metric.compute_image(_noisy(gt, s), gt, 'rgb') for s in (2, 5, 10, 20, 40)]
    assert all(a < b for a, b in zip(values, values[1:])), values


def test_bgr_samples_score_as_rgb(metric):
    gt = _crop('coffee')
    pred = _noisy(gt, 20)
    assert metric.compute_image(pred[..., ::-1], gt[..., ::-1], 'bgr') == pytest.approx(
        LPIPS_PACKAGE['coffee', 20], rel=1e-5)


def test_vgg_identity_and_symmetry():
    net = LPIPSNet('vgg').eval()
    shapes = {f'features.{k}': tuple(v.shape) for k, v in net.features.state_dict().items()}
    net.load_weights(seeded_state_dict(shapes, seed=1),
                     seeded_lpips_heads((64, 128, 256, 512, 512), seed=1))
    gt = torch.from_numpy(skimage.data.astronaut()[:64, :64].transpose(2, 0, 1).copy())
    x = gt[None].float() / 127.5 - 1
    y = torch.from_numpy(_noisy(skimage.data.astronaut()[:64, :64], 10).transpose(2, 0, 1))
    y = y[None].float() / 127.5 - 1
    with torch.no_grad():
        assert float(net(x, x)[0]) == 0.0
        assert float(net(x, y)[0]) == pytest.approx(float(net(y, x)[0]), rel=1e-6)
        assert float(net(x, y)[0]) > 0


def test_evaluator_groups(weight_files):
    samples, expected = [], {}
    for photo, sigma in sorted(LPIPS_PACKAGE):
        gt = _crop(photo)
        sample = RestorationDataSample(metainfo=dict(channel_order='rgb', sigma=sigma))
        sample.pred_img = torch.from_numpy(_noisy(gt, sigma).transpose(2, 0, 1).copy())
        sample.gt_img = torch.from_numpy(gt.transpose(2, 0, 1).copy()).float() / 255
        samples.append(sample.to_dict())
        expected.setdefault(sigma, []).append(LPIPS_PACKAGE[photo, sigma])
    with DefaultScope.overwrite_default_scope('irtoolbox'):
        evaluator = Evaluator([dict(type='LPIPS', backbone_path=weight_files[0],
                                    head_path=weight_files[1], group_by='sigma')])
    evaluator.process(data_samples=samples)
    out = evaluator.evaluate(len(samples))
    assert out['LPIPS'] == pytest.approx(np.mean(list(LPIPS_PACKAGE.values())), rel=1e-5)
    for sigma, values in expected.items():
        assert out[f'LPIPS/sigma={sigma}'] == pytest.approx(np.mean(values), rel=1e-5)


def test_missing_or_mismatched_weights_are_named(tmp_path, weight_files):
    with pytest.raises(FileNotFoundError, match='alexnet-owt-7be5be79.pth from https://'):
        LPIPS(backbone_path=str(tmp_path / 'alexnet-owt-7be5be79.pth'))
    with pytest.raises(FileNotFoundError, match='lpips_v0.1_alex.pth from the lpips package'):
        LPIPS(backbone_path=weight_files[0], head_path=str(tmp_path / 'none.pth'))
    with pytest.raises(KeyError, match='features.0.weight'):
        LPIPS(backbone_path=weight_files[1], head_path=weight_files[1])
    with pytest.raises(ValueError, match="'alex' or 'vgg'"):
        LPIPSNet('squeeze')
