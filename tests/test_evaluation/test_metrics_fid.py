"""FID: the InceptionV3 against pytorch-fid, the Fréchet distance against
hand computations, and over a set through a real evaluator.

Oracles: pytorch-fid 0.3.0's FID InceptionV3 with the same seeded weights
(``seeded_weights.py``) and its ``calculate_frechet_distance``, printed by
``tests/test_evaluation/perceptual_oracles.py`` (commands in its docstring);
closed forms for Gaussians whose covariances commute; ``scipy.linalg.sqrtm``
of ``S_1 S_2`` (pytorch-fid's route) on full-rank covariances.
"""
import numpy as np
import pytest
import scipy.linalg
import skimage.data
import torch
from mmengine.evaluator import Evaluator
from mmengine.registry import DefaultScope
from seeded_weights import seeded_state_dict  # tests/test_evaluation/, on sys.path

from irtoolbox.evaluation.metrics import FID
from irtoolbox.evaluation.metrics.fid import feature_fid, frechet_distance
from irtoolbox.evaluation.metrics.fid_inception import FIDInceptionV3
from irtoolbox.structures.data_sample import RestorationDataSample

PHOTOS = ('astronaut', 'coffee', 'chelsea')
# sum, norm and first three of the 2048 features of each 64 x 80 crop (pytorch-fid)
PYTORCH_FID_FEATURES = {
    'astronaut': (2878.9147656380082, 108.3784116153615,
                  (9.003904342651367, 0.14660920202732086, 2.381969451904297)),
    'coffee': (3546.6508462984457, 134.0780265467231,
               (11.309191703796387, 0.19121211767196655, 3.104867458343506)),
    'chelsea': (1909.1619122335214, 71.74945368622238,
                (5.7646894454956055, 0.04158423840999603, 1.3032217025756836))}
PYTORCH_FID_FRECHET = 47.05874972619081


def _crops():
    return [getattr(skimage.data, name)()[:64, :80] for name in PHOTOS]


@pytest.fixture(scope='module')
def weights_file(tmp_path_factory):
    shapes = {k: tuple(v.shape) for k, v in FIDInceptionV3().state_dict().items()}
    shapes.update({'fc.weight': (1008, 2048), 'fc.bias': (1008,)})  # in the published file
    path = tmp_path_factory.mktemp('fid') / 'inception.pth'
    torch.save(seeded_state_dict(shapes, seed=0), path)
    return str(path)


@pytest.fixture(scope='module')
def metric(weights_file):
    return FID(weights_path=weights_file)


@pytest.fixture(scope='module')
def gt_features(metric):
    return metric.features(_crops())


def test_inception_features_match_pytorch_fid(gt_features):
    for name, row in zip(PHOTOS, gt_features):
        total, norm, first = PYTORCH_FID_FEATURES[name]
        assert row.sum() == pytest.approx(total, rel=1e-5)
        assert np.linalg.norm(row) == pytest.approx(norm, rel=1e-5)
        assert row[:3] == pytest.approx(first, rel=1e-5, abs=1e-6)


def test_bgr_images_give_the_rgb_features(metric, gt_features):
    bgr = _crops()[0][..., ::-1]
    assert metric.features([bgr], 'bgr')[0] == pytest.approx(gt_features[0], rel=1e-6, abs=1e-9)


def test_frechet_distance_against_closed_forms_and_pytorch_fid():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((6, 6)), rng.standard_normal((6, 6))
    mu1, s1, mu2, s2 = np.arange(6.0), a @ a.T + np.eye(6), np.ones(6), b @ b.T + 0.5 * np.eye(6)
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(PYTORCH_FID_FRECHET, abs=1e-9)
    by_sqrtm = (np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2)
                - 2 * np.trace(scipy.linalg.sqrtm(s1 @ s2).real))
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(by_sqrtm, abs=1e-9)
    # commuting covariances: sum over eigenvalues of (sqrt(l1) - sqrt(l2))^2
    q, _ = np.linalg.qr(rng.standard_normal((5, 5)))
    l1, l2 = np.array([4.0, 1, 9, 0.25, 2]), np.array([1.0, 1, 4, 1, 8])
    expected = 3 ** 2 + 4 ** 2 + np.sum((np.sqrt(l1) - np.sqrt(l2)) ** 2)
    assert frechet_distance(np.zeros(5), q @ np.diag(l1) @ q.T, np.array([3.0, 4, 0, 0, 0]),
                            q @ np.diag(l2) @ q.T) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize('n1,n2,dim', [(200, 150, 6), (10, 8, 50)])
def test_feature_route_equals_the_covariance_route(n1, n2, dim):
    rng = np.random.default_rng(1)
    f1, f2 = rng.standard_normal((n1, dim)), 2 * rng.standard_normal((n2, dim)) + 0.5
    mu1, s1, mu2, s2 = f1.mean(0), np.cov(f1, rowvar=False), f2.mean(0), np.cov(f2, rowvar=False)
    # (singular covariances: the square roots of their rounding-level eigenvalues
    # leave the covariance route ~2e-9 relative off; the feature route has no such roots)
    assert feature_fid(f1, f2) == pytest.approx(frechet_distance(mu1, s1, mu2, s2), rel=1e-8)
    if n1 > dim:  # full rank: pytorch-fid's sqrtm route converges
        by_sqrtm = (np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2)
                    - 2 * np.trace(scipy.linalg.sqrtm(s1 @ s2).real))
        assert feature_fid(f1, f2) == pytest.approx(by_sqrtm, rel=1e-9)
    assert abs(feature_fid(f1, f1)) < 1e-9


def _sample(pred, gt, **metainfo):
    sample = RestorationDataSample(metainfo=dict(channel_order='rgb', **metainfo))
    sample.pred_img = torch.from_numpy(pred.transpose(2, 0, 1).copy())
    sample.gt_img = torch.from_numpy(gt.transpose(2, 0, 1).copy()).float() / 255
    return sample.to_dict()


def test_a_set_against_itself_is_zero_through_the_evaluator(weights_file, gt_features):
    crops = _crops()
    samples = [_sample(c, c, scene=i < 2) for i, c in enumerate(crops)]
    with DefaultScope.overwrite_default_scope('irtoolbox'):
        evaluator = Evaluator([dict(type='FID', weights_path=weights_file, group_by='scene')])
    evaluator.process(data_samples=samples)
    out = evaluator.evaluate(len(samples))
    assert abs(out['FID']) < 1e-6 and abs(out['FID/scene=True']) < 1e-6
    assert np.isnan(out['FID/scene=False'])  # one image: no covariance
    assert set(out) == {'FID', 'FID/scene=True', 'FID/scene=False'}


def test_shuffled_pixels_are_far_and_mild_noise_is_near(metric, gt_features):
    rng = np.random.default_rng(0)
    crops = _crops()
    shuffled = [c.reshape(-1, 3)[rng.permutation(c.shape[0] * c.shape[1])].reshape(c.shape)
                for c in crops]
    noisy = [np.clip(c + rng.normal(0, 3, c.shape), 0, 255).round().astype(np.uint8)
             for c in crops]
    far = feature_fid(metric.features(shuffled), gt_features)
    near = feature_fid(metric.features(noisy), gt_features)
    assert 0 < near and far > 20 * near, (near, far)  # measured: near 4.2, far 311


def test_missing_or_mismatched_weights_are_named(tmp_path, metric):
    sample = _sample(_crops()[0], _crops()[0], img_path='a.png')
    del sample['gt_img']
    with pytest.raises(KeyError, match="FID needs 'gt_img'"):
        metric.process(None, [sample])
    with pytest.raises(FileNotFoundError,
                       match='pt_inception-2015-12-05-6726825d.pth from https://github.com/'
                             'mseitzer/pytorch-fid/releases'):
        FID(weights_path=str(tmp_path / 'pt_inception-2015-12-05-6726825d.pth'))
    torch.save({'Conv2d_1a_3x3.conv.weight': torch.zeros(32, 3, 3, 3)}, tmp_path / 'bad.pth')
    with pytest.raises(KeyError, match='missing keys'):
        FID(weights_path=str(tmp_path / 'bad.pth'))
    with pytest.raises(ValueError, match='at least 2 images'):
        feature_fid(np.zeros((1, 4)), np.zeros((3, 4)))
