"""NIQE against BasicSR's port of the authors' MATLAB release.

Oracle (hand-off, numbers printed by ``tests/test_evaluation/perceptual_oracles.py``,
whose docstring gives the commands: BasicSR 1.4.2's ``basicsr/metrics/niqe.py``
in a separate environment):

- with a unit pristine model (mu = 0, cov = I), BasicSR run in float64: checks
  the whole feature pipeline (Y, MSCN, AGGD fits, both scales, MATLAB resize)
  and Eq. 10 without the pristine-model file, so it runs in CI;
- with the authors' pristine model (``niqe_pris_params.npz``), in float64 and
  as released (float32, whose cancellation in ``E[x^2] - E[x]^2`` moves the
  astronaut's score by 0.036; the MATLAB release computes in double). Skipped
  when the file is absent (``checkpoints/metrics/niqe_pris_params.npz`` or
  ``$IRTOOLBOX_NIQE_PARAMS``).
"""
import os

import numpy as np
import pytest
import skimage.data
import torch
from mmengine.evaluator import Evaluator
from mmengine.registry import DefaultScope

from irtoolbox.evaluation.metrics import NIQE
from irtoolbox.evaluation.metrics.matlab_imresize import imresize
from irtoolbox.evaluation.metrics.niqe import niqe
from irtoolbox.structures.data_sample import RestorationDataSample

PHOTOS = ('astronaut', 'coffee', 'chelsea', 'camera')
BASICSR_FLOAT64_UNIT_MODEL = {'astronaut': 3.6523964355199596, 'coffee': 3.526226366992024,
                              'chelsea': 4.13526356813947, 'camera': 3.926367218181302}
BASICSR_FLOAT64_PRISTINE = {'astronaut': 3.100451533184568, 'coffee': 4.115331588269311,
                            'chelsea': 2.6255266796680012, 'camera': 3.096202208122647}
BASICSR_FLOAT32_PRISTINE = {'astronaut': 3.0649476661847754, 'coffee': 4.115241615372862,
                            'chelsea': 2.6255243812915023, 'camera': 3.096206619345783}


def _pristine_params_path():
    path = os.environ.get('IRTOOLBOX_NIQE_PARAMS',
                          os.path.join('checkpoints', 'metrics', 'niqe_pris_params.npz'))
    return path if os.path.isfile(path) else None


@pytest.fixture
def unit_model(tmp_path):
    path = tmp_path / 'unit_model.npz'
    np.savez(path, mu_pris_param=np.zeros((1, 36)), cov_pris_param=np.eye(36))
    return str(path)


@pytest.mark.parametrize('photo', PHOTOS)
def test_features_and_distance_match_basicsr_float64(photo):
    value = niqe(getattr(skimage.data, photo)(), np.zeros(36), np.eye(36))
    assert value == pytest.approx(BASICSR_FLOAT64_UNIT_MODEL[photo], abs=1e-9)


@pytest.mark.skipif(_pristine_params_path() is None,
                    reason='niqe_pris_params.npz not found (checkpoints/metrics/ or '
                           '$IRTOOLBOX_NIQE_PARAMS)')
@pytest.mark.parametrize('photo', PHOTOS)
def test_pristine_model_scores_match_basicsr(photo):
    metric = NIQE(params_path=_pristine_params_path())
    value = metric.compute_image(getattr(skimage.data, photo)()[..., None]
                                 if photo == 'camera' else getattr(skimage.data, photo)(),
                                 None, 'rgb')
    assert value == pytest.approx(BASICSR_FLOAT64_PRISTINE[photo], abs=1e-9)
    assert abs(value - BASICSR_FLOAT32_PRISTINE[photo]) < 0.04


def test_matlab_resize_keeps_constants_and_halves_sizes():
    # each output row of the antialiased kernel sums to 1, borders mirrored
    out = imresize(np.full((97, 50), 7.0), 0.5)
    assert out.shape == (49, 25) and np.allclose(out, 7.0, atol=1e-12)
    ramp = np.tile(np.arange(40.0), (8, 1))
    # away from the borders a linear ramp is sampled at u = 2x - 0.5 (1-based)
    assert np.allclose(imresize(ramp, 0.5)[:, 4:16], np.arange(4, 16) * 2 + 0.5, atol=1e-9)


def _sample(img, **metainfo):
    sample = RestorationDataSample(metainfo=dict(channel_order='rgb', **metainfo))
    sample.pred_img = torch.from_numpy(img.transpose(2, 0, 1).copy()).float() / 255
    return sample.to_dict()


def test_evaluator_means_per_group_without_ground_truth(unit_model):
    photos = ('astronaut', 'coffee', 'chelsea')
    samples = [_sample(getattr(skimage.data, p)(), scene=p == 'astronaut') for p in photos]
    with DefaultScope.overwrite_default_scope('irtoolbox'):
        evaluator = Evaluator([dict(type='NIQE', params_path=unit_model, group_by='scene',
                                    prefix='test')])
    evaluator.process(data_samples=samples)
    out = evaluator.evaluate(len(samples))
    ref = BASICSR_FLOAT64_UNIT_MODEL
    assert out['test/NIQE'] == pytest.approx(np.mean([ref[p] for p in photos]), abs=1e-9)
    assert out['test/NIQE/scene=True'] == pytest.approx(ref['astronaut'], abs=1e-9)
    assert out['test/NIQE/scene=False'] == pytest.approx((ref['coffee'] + ref['chelsea']) / 2,
                                                         abs=1e-9)


def test_missing_params_file_names_it_and_its_source(tmp_path):
    with pytest.raises(FileNotFoundError, match='niqe_pris_params.npz from the basicsr package'):
        NIQE(params_path=str(tmp_path / 'niqe_pris_params.npz'))
    bad = tmp_path / 'bad.npz'
    np.savez(bad, mu=np.zeros(36))
    with pytest.raises(KeyError, match='mu_pris_param and cov_pris_param'):
        NIQE(params_path=str(bad))
    with pytest.raises(ValueError, match='at least two 96 x 96 blocks.*95 x 200'):
        niqe(np.zeros((95, 200), np.uint8), np.zeros(36), np.eye(36))
    # one block has no covariance: refused with the same message, not a failed SVD
    with pytest.raises(ValueError, match='at least two 96 x 96 blocks.*128 x 128'):
        niqe(np.zeros((128, 128), np.uint8), np.zeros(36), np.eye(36))
