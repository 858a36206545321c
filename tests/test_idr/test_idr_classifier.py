"""The degradation-type classifier of IDR's meta-prior learning, through the real path
(AllInOneRestorer -> MetaPriorLearning -> feature tap -> DegradationTypeLoss).

Oracles: the label-smoothed cross-entropy written out by hand over each sample's
logits computed alone with its own label; chance level ``loss_weight * ln T``
(what a classifier that has learnt nothing scores, up to the smoothing, which
only raises the minimum); the accuracy counted from the tapped logits against
the labels the batch was built with.
"""
import math
import os.path as osp

import torch
from conftest import REPO_ROOT
from mmengine.config import Config
from mmengine.logging import MessageHub
from mmengine.optim import build_optim_wrapper

from irtoolbox.models.plugins.meta_prior import MPL_PLACEMENTS
from irtoolbox.registry import MODELS
from irtoolbox.structures import RestorationDataSample

LOSSES = dict(l1=dict(type='L1Loss'), sdam=dict(type='SDAMLoss'),
              cls=dict(type='DegradationTypeLoss'))
TAPS = dict(sdam='**.sdam_image', degradation='**.degradation_classifier')
DEMO = osp.join(REPO_ROOT, 'configs', 'idr',
                'idr_restormer-d12-2e1d-n24_1xb5-400it_demo-five-tasks.py')


def _model(positions, num_types):
    plugins = [dict(cfg=dict(type='MetaPriorLearning', num_types=num_types, num_tokens=4),
                    position=position) for position in positions]
    backbone = dict(type='Restormer', dim=8, num_blocks=(1, 1, 1, 1), heads=(1, 1, 1, 1),
                    num_refinement_blocks=1, plugins=plugins)
    model = MODELS.build(dict(type='AllInOneRestorer', backbone=backbone, losses=LOSSES,
                              feature_taps=TAPS, stage_switch_iter=None))
    model.init_weights()
    return model


def _degrade(clean, task):
    """Two degradations a global average separates: low light (task 0), haze (task 1)."""
    return 0.15 * clean if task == 0 else 0.5 * clean + 0.5


def _batch(model, tasks, seed, size=16):
    g = torch.Generator().manual_seed(seed)
    clean = [torch.rand(3, size, size, generator=g) for _ in tasks]
    data = dict(inputs=[_degrade(c, t) for c, t in zip(clean, tasks)],
                data_samples=[RestorationDataSample(gt_img=c, metainfo=dict(task_idx=t))
                              for c, t in zip(clean, tasks)])
    data = model.data_preprocessor(data, True)
    return data['inputs'], data['data_samples']


def _record_logits(model):
    """Each classifier's last output, in forward order of the MPLs."""
    logits = {}
    for name, module in model.named_modules():
        if name.endswith('degradation_classifier'):
            module.register_forward_hook(
                lambda _m, _i, out, name=name: logits.__setitem__(name, out.detach()))
    return logits


def _smoothed_ce(logits, labels, eps=0.1):
    """Label-smoothed cross-entropy by hand: (1 - eps) * -log p_y + eps * mean_t(-log p_t)."""
    logp = torch.log_softmax(logits, 1)
    rows = [(1 - eps) * -logp[i, y] + eps * -logp[i].mean() for i, y in enumerate(labels)]
    return torch.stack(rows).mean()


def test_loss_cls_pairs_each_sample_with_its_own_label_in_a_mixed_batch():
    torch.manual_seed(0)
    MessageHub.get_current_instance().update_info('iter', 0)
    model = _model(MPL_PLACEMENTS['2E+1D'], num_types=5).train()
    tasks = [3, 0, 4, 1, 2]
    inputs, samples = _batch(model, tasks, seed=0)
    logits = _record_logits(model)
    with torch.no_grad():
        batched = model(inputs, samples, mode='loss')['loss_cls']
        alone = []  # per sample: the three MPLs' logits, computed without the others
        for i in range(len(tasks)):
            model(inputs[i:i + 1], samples[i:i + 1], mode='loss')
            alone.append([z[0] for z in logits.values()])
    per_mpl = [torch.stack([row[j] for row in alone]) for j in range(3)]
    expected = 0.01 * torch.stack([_smoothed_ce(z, tasks) for z in per_mpl]).mean()
    torch.testing.assert_close(batched, expected, rtol=1e-4, atol=1e-7)
    # the check can tell a mis-paired batch: the labels of the neighbouring sample differ
    shifted = tasks[1:] + tasks[:1]
    wrong = 0.01 * torch.stack([_smoothed_ce(z, shifted) for z in per_mpl]).mean()
    assert not torch.allclose(batched, wrong, rtol=1e-3)


def test_classifier_learns_two_separable_degradations_through_the_loss_path():
    """Adam on the sum of the restorer's losses (L1, SDAM, weight-0.01 classifier) for
    40 steps of 8 mixed 16 px samples: every held-out sample is classified right and
    loss_cls is below chance (the logits still grow slowly at lr 1e-3: about 0.8 x chance
    after 40 steps, 0.6 x after 70, the smoothing's floor being 0.29 x)."""
    torch.manual_seed(0)
    MessageHub.get_current_instance().update_info('iter', 0)
    model = _model(('after_enc1', ), num_types=2).train()  # one MPL: its input carries no hub
    chance = 0.01 * math.log(2)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    gen = torch.Generator().manual_seed(1)
    first = None
    for step in range(40):
        tasks = torch.randperm(8, generator=gen).remainder(2).tolist()
        losses = model(*_batch(model, tasks, seed=step), mode='loss')
        first = float(losses['loss_cls'].detach()) if first is None else first
        optimizer.zero_grad()
        sum(losses.values()).backward()
        optimizer.step()
    assert abs(first - chance) < 0.1 * chance  # it started at chance
    held_out = [0, 1] * 8
    inputs, samples = _batch(model, held_out, seed=1000)
    logits = _record_logits(model)
    with torch.no_grad():
        loss_cls = float(model(inputs, samples, mode='loss')['loss_cls'])
        model.eval()
        model(inputs, samples, mode='predict')
    predicted = next(iter(logits.values())).argmax(1)
    assert predicted.tolist() == held_out
    assert loss_cls < 0.9 * chance


def test_demo_optimizer_updates_every_classifier_at_the_configured_rate():
    """mmengine's OptimWrapper built from the demo config holds each classifier weight in a
    group with the config's learning rate (no paramwise_cfg, lr_mult or frozen part)."""
    cfg = Config.fromfile(DEMO)
    model = MODELS.build(cfg.model)
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    group_of = {id(p): g for g in wrapper.optimizer.param_groups for p in g['params']}
    classifier = [(n, p) for n, p in model.named_parameters() if '.degradation_classifier.' in n]
    assert len(classifier) == 3 * 4  # three MPLs, two Linear layers with biases each
    for name, param in classifier:
        assert param.requires_grad, name
        assert group_of[id(param)]['lr'] == cfg.optim_wrapper.optimizer.lr == 1e-3, name
