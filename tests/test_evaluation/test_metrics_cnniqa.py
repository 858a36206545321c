"""CNNIQA (learned no-reference quality) against pyiqa's implementation.

Oracle (hand-off): pyiqa 0.1.16's ``pyiqa/archs/cnniqa_arch.py`` with the same
seeded weights (``seeded_weights.py``), printed by
``tests/test_evaluation/perceptual_oracles.py`` (commands in its docstring).
The tests write the weights in pyiqa's file layout (``{'params': ...}``).
"""
import numpy as np
import pytest
import skimage.data
import torch
from mmengine.evaluator import Evaluator
from mmengine.registry import DefaultScope
from seeded_weights import seeded_state_dict  # tests/test_evaluation/, on sys.path

from irtoolbox.evaluation.metrics import CNNIQA
from irtoolbox.evaluation.metrics.cnniqa import CNNIQANet
from irtoolbox.structures.data_sample import RestorationDataSample

# crops [:256, :256]; the noisy one is the astronaut crop with noise of sigma 20
PYIQA = {'astronaut': 0.09868349134922028, 'coffee': -0.19699405133724213,
         'chelsea': -0.17781876027584076, 'astronaut+noise20': 0.11017222702503204}


def _images():
    images = {name: getattr(skimage.data, name)()[:256, :256]
              for name in ('astronaut', 'coffee', 'chelsea')}
    noise = np.random.default_rng(0).normal(0, 20, images['astronaut'].shape)
    images['astronaut+noise20'] = np.clip(images['astronaut'] + noise, 0, 255).round().astype(
        np.uint8)
    return images


@pytest.fixture(scope='module')
def weights_file(tmp_path_factory):
    shapes = {k: tuple(v.shape) for k, v in CNNIQANet().state_dict().items()}
    path = tmp_path_factory.mktemp('cnniqa') / 'CNNIQA_seeded.pth'
    torch.save({'params': seeded_state_dict(shapes, seed=0)}, path)
    return str(path)


def test_matches_pyiqa(weights_file):
    metric = CNNIQA(weights_path=weights_file)
    for name, img in _images().items():
        assert metric.compute_image(img, None, 'rgb') == pytest.approx(PYIQA[name], rel=1e-5,
                                                                      abs=1e-6), name
    coffee = _images()['coffee']
    assert metric.compute_image(coffee[..., ::-1], None, 'bgr') == pytest.approx(
        PYIQA['coffee'], rel=1e-5, abs=1e-6)


def test_evaluator_groups_without_ground_truth(weights_file):
    samples = []
    for name, img in _images().items():
        sample = RestorationDataSample(metainfo=dict(channel_order='rgb',
                                                     noisy=name.endswith('noise20')))
        sample.pred_img = torch.from_numpy(img.transpose(2, 0, 1).copy()).float() / 255
        samples.append(sample.to_dict())
    with DefaultScope.overwrite_default_scope('irtoolbox'):
        evaluator = Evaluator([dict(type='CNNIQA', weights_path=weights_file, group_by='noisy')])
    evaluator.process(data_samples=samples)
    out = evaluator.evaluate(len(samples))
    assert out['CNNIQA'] == pytest.approx(np.mean(list(PYIQA.values())), rel=1e-5)
    assert out['CNNIQA/noisy=True'] == pytest.approx(PYIQA['astronaut+noise20'], rel=1e-5)
    assert out['CNNIQA/noisy=False'] == pytest.approx(
        np.mean([PYIQA[n] for n in ('astronaut', 'coffee', 'chelsea')]), rel=1e-5)


def test_missing_or_mismatched_weights_are_named(tmp_path):
    with pytest.raises(FileNotFoundError,
                       match='CNNIQA_koniq10k-e6f14c91.pth from pyiqa\'s weights: https://'):
        CNNIQA(weights_path=str(tmp_path / 'CNNIQA_koniq10k-e6f14c91.pth'))
    torch.save({'params': {'conv1.weight': torch.zeros(50, 3, 7, 7)}}, tmp_path / 'bad.pth')
    with pytest.raises(KeyError, match='missing keys'):
        CNNIQA(weights_path=str(tmp_path / 'bad.pth'))
