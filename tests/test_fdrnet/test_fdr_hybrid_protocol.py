"""The hybrid-distortion protocol: buckets, level bins, seeded test patches, metainfo."""
from math import comb

import numpy as np
import pytest
import torch

from irtoolbox.datasets import HybridDistortionDataset
from irtoolbox.degradations import build_degradation
from irtoolbox.degradations.hybrid_levels import (
    BUCKETS,
    bucket_of,
    hybrid_chain,
    iter_level_triples,
)
from irtoolbox.evaluation.metrics import PSNR


def _count_with_sum(total, parts=3, top=10):
    """Compositions of ``total`` into ``parts`` values in 1..top (inclusion-exclusion)."""
    return sum((-1) ** k * comb(parts, k) * comb(total - k * top - 1, parts - 1)
               for k in range(parts + 1) if total - k * top - 1 >= parts - 1)


@pytest.mark.parametrize('bucket, size', [('mild', 163), ('moderate', 434), ('severe', 163)])
def test_each_triple_of_a_bucket_exactly_once(bucket, size):
    triples = list(iter_level_triples(bucket))
    assert len(triples) == len(set(triples)) == size
    low, high = BUCKETS[bucket]
    assert size == sum(_count_with_sum(s + 2) for s in range(low, high + 1))
    assert all(low <= b + n + q - 2 <= high and {b, n, q} <= set(range(1, 11))
               for b, n, q in triples)
    # every triple of {1..10}^3 in that range is there (brute force)
    brute = {(b, n, q) for b in range(1, 11) for n in range(1, 11) for q in range(1, 11)
             if low <= b + n + q - 2 <= high}
    assert set(triples) == brute


def test_buckets_are_disjoint_and_leave_the_extremes_out():
    assert bucket_of((1, 1, 1)) is None and bucket_of((10, 10, 10)) is None
    assert bucket_of((3, 4, 4)) == 'mild' and bucket_of((10, 10, 2)) == 'severe'
    sets = [set(iter_level_triples(b)) for b in BUCKETS]
    assert not (sets[0] & sets[1]) and not (sets[1] & sets[2]) and not (sets[0] & sets[2])


def _dataset(root, bucket='mild', seed=0, test_mode=True, samples_per_image=3,
             transform_bucket=None):
    pipeline = [dict(type='LoadImageFromFile', key='gt', channel_order='rgb'),
                dict(type='RandomCrop', crop_size=63, keys=('gt', )),
                dict(type='HybridDegrade', bucket=transform_bucket or bucket),
                dict(type='PackInputs')]
    return HybridDistortionDataset(bucket=bucket, samples_per_image=samples_per_image,
                                   data_root=str(root), data_prefix=dict(gt='val/gt'),
                                   pipeline=pipeline, seed=seed, test_mode=test_mode)


def test_same_seed_same_test_patch_and_levels_in_their_bins(demo_data):
    first, again, other = _dataset(demo_data), _dataset(demo_data), _dataset(demo_data, seed=1)
    mild = list(iter_level_triples('mild'))
    for idx in range(4):
        a, b, c = first[idx], again[idx], other[idx]
        assert a['inputs'].shape == (3, 63, 63)
        assert torch.equal(a['inputs'], b['inputs'])
        assert not torch.equal(a['inputs'], c['inputs'])
        meta = a['data_samples'].metainfo
        triple = mild[idx % len(mild)]  # test entries cycle through the bucket
        assert meta['degradation_level'] == triple
        assert meta['degradation_bucket'] == 'mild'
        assert meta['degradation_levels'] == dict(blur=triple[0], noise=triple[1],
                                                  jpeg=triple[2])
        blur, noise, jpeg = meta['degradation_params']['ops']
        # level k draws between table entries k-1 and k (0-based), hand-made tables:
        assert 0.5 * (triple[0] - 1) <= blur['sigma'] <= 0.5 * triple[0]
        assert blur['kernel_size'] == 21
        assert 5 * (triple[1] - 1) <= noise['sigma'] <= 5 * triple[1]
        qualities = [100, 80, 60, 50, 40, 35, 30, 25, 20, 15, 10]
        assert qualities[triple[2]] <= jpeg['quality'] <= qualities[triple[2] - 1]
        # the recorded parameters rebuild the input from the clean patch
        gt = a['data_samples'].gt_img.permute(1, 2, 0).numpy()
        rebuilt = build_degradation(hybrid_chain()).apply(gt, meta['degradation_params'])
        assert np.abs(np.clip(rebuilt, 0, 1) - a['inputs'].permute(1, 2, 0).numpy()).max() < 1e-6


def test_training_draws_from_the_bucket_and_metrics_group_by_levels(demo_data):
    data = _dataset(demo_data, bucket='moderate', test_mode=False, samples_per_image=1)
    moderate = set(iter_level_triples('moderate'))
    metric = PSNR(group_by=['degradation_bucket', 'degradation_levels.blur'])
    samples, drawn = [], set()
    for idx in range(len(data)):
        for pass_ in range(3):
            item = data[(idx, pass_)]
            drawn.add(item['data_samples'].metainfo['degradation_level'])
            sample = item['data_samples']
            sample.pred_img = item['inputs']
            samples.append(sample.to_dict())
    assert drawn <= moderate and len(drawn) > 1
    metric.process({}, samples)
    result = metric.compute_metrics(metric.results)
    assert 'PSNR/degradation_bucket=moderate' in result
    blur_levels = {s['degradation_levels']['blur'] for s in samples}
    assert {f'PSNR/degradation_levels.blur={b}' for b in blur_levels} <= set(result)


def test_recorded_bucket_is_the_fixed_triples_not_the_transforms(demo_data):
    # The configs use one test pipeline, HybridDegrade(bucket='moderate'), for every bucket:
    # a severe test entry must still be recorded as severe.
    data = _dataset(demo_data, bucket='severe', samples_per_image=1, transform_bucket='moderate')
    meta = data[0]['data_samples'].metainfo
    assert meta['degradation_bucket'] == 'severe'
    assert sum(meta['degradation_level']) - 2 >= 18


def test_div2k_config_chain_uses_the_protocol_tables():
    from conftest import REPO_ROOT
    from mmengine.config import Config
    cfg = Config.fromfile(f'{REPO_ROOT}/configs/fdrnet/_base_/div2k_hybrid.py')
    blur, noise, jpeg = cfg.hybrid_degradation
    assert tuple(blur['levels']) == tuple(0.5 * i for i in range(11)) and blur['kernel_size'] == 21
    assert tuple(blur['sigma_range']) == (0, 10)  # FDR-Net's text, for draws without a level
    assert tuple(noise['levels']) == tuple(range(0, 55, 5)) and noise['clip']
    assert tuple(jpeg['levels']) == (100, 80, 60, 50, 40, 35, 30, 25, 20, 15, 10)
    steps = [s for s in cfg.train_pipeline + cfg.test_pipeline if s['type'] == 'HybridDegrade']
    assert len(steps) == 2 and all(s['degradation'] == cfg.hybrid_degradation for s in steps)
