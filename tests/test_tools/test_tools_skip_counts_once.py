"""``on_error='skip'`` in evaluation (issue 21, item 5): a bad test image is dropped
from the evaluation instead of being replaced by the next image, so every good
image is scored exactly once (the tools' runner, a real test run)."""
import cv2
import numpy as np
from conftest import DEMO_CONFIG
from mmengine.evaluator import BaseMetric

from irtoolbox.engine.runner import StrictLoadRunner
from irtoolbox.registry import METRICS
from irtoolbox.utils.launch import load_config


@METRICS.register_module(force=True)
class ScoredImagesRecorder(BaseMetric):
    """Records the ground-truth file of every sample the evaluator is given."""
    scored: list = []

    def process(self, data_batch, data_samples):
        self.results.extend(s['gt_path'] for s in data_samples)

    def compute_metrics(self, results):
        ScoredImagesRecorder.scored = list(results)
        return dict(num_scored=len(results))


def test_bad_test_image_is_dropped_not_replaced(tmp_path):
    folder = tmp_path / 'data' / 'val' / 'gt'
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for name in ('a', 'c', 'd'):
        cv2.imwrite(str(folder / f'{name}.png'), rng.integers(0, 255, (24, 24, 3), np.uint8))
    (folder / 'b.png').write_bytes(b'not a png')  # sorted between a and c
    options = {'test_dataloader.dataset.data_root': str(tmp_path / 'data'),
               'test_dataloader.dataset.on_error': 'skip', 'test_dataloader.batch_size': 1,
               'model.backbone.mid_channels': 4, 'model.backbone.num_blocks': 1}
    cfg = load_config(DEMO_CONFIG, options, str(tmp_path / 'work'))
    cfg.test_evaluator = [dict(type='ScoredImagesRecorder')]
    cfg.log_level = 'WARNING'
    StrictLoadRunner.from_cfg(cfg).test()
    names = sorted(p.rsplit('/', 1)[-1] for p in ScoredImagesRecorder.scored)
    # today: b.png's stand-in c.png is scored a second time
    assert names == ['a.png', 'c.png', 'd.png']
