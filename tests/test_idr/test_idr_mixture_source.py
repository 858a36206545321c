"""MetaPriorLearning(mixture_source=...): the later MPLs mix their hubs by the first MPL's
prediction ('first') instead of their own classifier ('own', the default).

Oracles: a forward of the default path saved by the code before the option existed
(``data/mpl_own_forward_a7cd081.pt``, commit a7cd081, built by ``_own_model`` below with
the same seed and batch); the softmax of enc1's logits taken by a forward hook; the
label-smoothed cross-entropy written out by hand; parameter counts of the removed
classifier and SDAM by hand (``10 C^2 + 60 C + 5`` per module of width C).
"""
import os.path as osp
import sys

import pytest
import torch
import torch.nn.functional as F
from conftest import REPO_ROOT, free_port, run_tool
from mmengine.config import Config
from mmengine.logging import MessageHub
from test_idr_plugins import _batch  # 16 px random inputs/targets with task_idx

from irtoolbox.registry import MODELS

LOSSES = dict(l1=dict(type='L1Loss'), sdam=dict(type='SDAMLoss'),
              cls=dict(type='DegradationTypeLoss'))
TAPS = dict(sdam='**.sdam_image', degradation='**.degradation_classifier')
POSITIONS = ('after_enc1', 'after_enc2', 'after_dec3')
SWITCH = 5
SAVED = osp.join(osp.dirname(__file__), 'data', 'mpl_own_forward_a7cd081.pt')
DEMO_FIRST = osp.join(REPO_ROOT, 'configs', 'idr',
                      'idr_restormer-d12-2e1d-n24-mixfirst_1xb5-400it_demo-five-tasks.py')
DEMO = osp.join(REPO_ROOT, 'configs', 'idr',
                'idr_restormer-d12-2e1d-n24_1xb5-400it_demo-five-tasks.py')


def _model(sources=None, ingredient=False):
    """Tiny Restormer with 2E+1D MPLs; ``sources`` the mixture_source per position
    (``None``: the option is not passed, as the code before it was written)."""
    torch.manual_seed(0)
    plugins = []
    for i, position in enumerate(POSITIONS):
        cfg = dict(type='MetaPriorLearning', num_tokens=4, ingredient=ingredient)
        if sources is not None:
            cfg['mixture_source'] = sources[i]
        plugins.append(dict(cfg=cfg, position=position))
    backbone = dict(type='Restormer', dim=8, num_blocks=(1, 1, 1, 1), heads=(1, 1, 1, 1),
                    num_refinement_blocks=1, plugins=plugins)
    model = MODELS.build(dict(type='AllInOneRestorer', backbone=backbone, losses=LOSSES,
                              feature_taps=TAPS, stage_switch_iter=SWITCH))
    model.init_weights()
    return model.train()


FIRST = ('own', 'first', 'first')


def _set_iter(it):
    MessageHub.get_current_instance().update_info('iter', it)


def _mpls(model):
    return [model.backbone.plugins[p] for p in POSITIONS]


def _tap_logits(model):
    """{position: the last logits of its classifier}, by forward hooks."""
    logits = {}
    for position, mpl in zip(POSITIONS, _mpls(model)):
        if mpl.degradation_classifier is not None:
            mpl.degradation_classifier.register_forward_hook(
                lambda _m, _i, out, p=position: logits.__setitem__(p, out.detach()))
    return logits


def hub_weights(model, inputs, samples):
    """Each MPL's hub weights (forward order), from the batch context of one forward."""
    context = model.batch_context(inputs, samples)
    with context.active():
        model.network(inputs)
    return context.read('hub_weights')


def test_default_path_equals_the_forward_saved_before_the_option():
    """Same seed, batch and model as when the file was saved with the code of a7cd081
    (there bit-identical: torch.equal held for every entry; the tolerance only allows
    other CPUs' kernels)."""
    saved = torch.load(SAVED)
    for sources in (None, ('own', 'own', 'own')):
        model = _model(sources)
        inputs, samples = _batch(model, [3, 0, 4])
        with torch.no_grad():
            for it, stage in ((0, 1), (SWITCH, 2)):
                _set_iter(it)
                out = {f'stage{stage}_output': model.forward_tensor(inputs, samples)}
                out.update({f'stage{stage}_{k}': v
                            for k, v in model(inputs, samples, mode='loss').items()})
                for key, value in out.items():
                    torch.testing.assert_close(value, saved[key], rtol=0, atol=1e-6, msg=key)
    _set_iter(0)


def test_first_has_no_later_classifier_or_sdam_and_every_parameter_trains():
    own, first = _model(), _model(FIRST)
    later = [n for n, _ in own.named_parameters()
             if n.startswith(('backbone.plugins.enc2.', 'backbone.plugins.dec3.'))
             and ('.degradation_classifier.' in n or '.sdam.' in n)]
    assert later and {n for n, _ in own.named_parameters()} - set(later) == {
        n for n, _ in first.named_parameters()}
    # both stages: every parameter that exists gets a gradient (DDP without
    # find_unused_parameters)
    inputs, samples = _batch(first, [0, 2, 4])
    for it in (0, SWITCH):
        _set_iter(it)
        first.zero_grad(set_to_none=True)
        losses = first(inputs, samples, mode='loss')
        assert set(losses) == {'loss_l1', 'loss_sdam', 'loss_cls'}
        sum(losses.values()).backward()
        missing = [n for n, p in first.named_parameters() if p.grad is None]
        assert not missing, (it, missing)
    _set_iter(0)


def test_stage_2_mixes_enc2_and_dec3_by_enc1s_softmax():
    model = _model(FIRST)
    tasks = [3, 0, 4, 1]
    inputs, samples = _batch(model, tasks)
    logits = _tap_logits(model)
    for mode in ('train', 'eval'):
        _set_iter(SWITCH)
        getattr(model, mode)()
        with torch.no_grad():
            # in evaluation the samples carry no labels: stage 2 as well
            weights = hub_weights(model, inputs, samples if mode == 'train' else None)
        assert set(logits) == {'after_enc1'}
        expected = torch.softmax(logits['after_enc1'], 1)
        assert len(weights) == len(_mpls(model))
        for w in weights:
            torch.testing.assert_close(w, expected, rtol=0, atol=0)
        assert not torch.allclose(expected, F.one_hot(torch.tensor(tasks), 5).float())
    # 'own': enc2 and dec3 mix by their own classifiers, which differ from enc1's
    own = _model()
    own_logits = _tap_logits(own)
    with torch.no_grad():
        own_weights = hub_weights(own, inputs, samples)
    for position, w in zip(POSITIONS[1:], own_weights[1:]):
        torch.testing.assert_close(w, torch.softmax(own_logits[position], 1))
        assert not torch.allclose(w, torch.softmax(own_logits['after_enc1'], 1))
    _set_iter(0)


def test_stage_1_labels_do_not_reach_what_mixes_in_stage_2():
    """With 'first' the only classifier sees no hub: its stage-1 logits are the same
    for any labels and equal its stage-2 logits, which mix every MPL. With 'own' the
    enc2 classifier's stage-1 logits change with the labels (the leak)."""
    tasks, shifted = [3, 0, 4, 1], [4, 1, 0, 2]
    for sources in (FIRST, None):
        model = _model(sources)
        inputs, samples = _batch(model, tasks)
        _, other = _batch(model, shifted)
        logits = _tap_logits(model)
        seen = {}
        with torch.no_grad():
            for name, it, batch in (('stage1', 0, samples), ('stage1_shifted', 0, other),
                                    ('stage2', SWITCH, samples)):
                _set_iter(it)
                seen[name + '_weights'] = hub_weights(model, inputs, batch)
                seen[name] = dict(logits)
        if sources == FIRST:
            assert set(seen['stage1']) == {'after_enc1'}
            assert torch.equal(seen['stage1']['after_enc1'], seen['stage1_shifted']['after_enc1'])
            assert torch.equal(seen['stage1']['after_enc1'], seen['stage2']['after_enc1'])
            for w in seen['stage2_weights'][1:]:
                torch.testing.assert_close(
                    w, torch.softmax(seen['stage1_shifted']['after_enc1'], 1))
        else:
            assert torch.equal(seen['stage1']['after_enc1'], seen['stage1_shifted']['after_enc1'])
            assert not torch.allclose(seen['stage1']['after_enc2'],
                                      seen['stage1_shifted']['after_enc2'])
            assert not torch.allclose(seen['stage1']['after_enc2'], seen['stage2']['after_enc2'])
    _set_iter(0)


def _smoothed_ce(logits, labels, eps=0.1):
    logp = torch.log_softmax(logits, 1)
    rows = [(1 - eps) * -logp[i, y] + eps * -logp[i].mean() for i, y in enumerate(labels)]
    return torch.stack(rows).mean()


def test_loss_cls_with_first_is_enc1s_cross_entropy_alone():
    model = _model(FIRST)
    tasks = [2, 4, 0]
    inputs, samples = _batch(model, tasks)
    logits = _tap_logits(model)
    _set_iter(0)
    with torch.no_grad():
        loss_cls = model(inputs, samples, mode='loss')['loss_cls']
    assert set(logits) == {'after_enc1'}
    torch.testing.assert_close(loss_cls, 0.01 * _smoothed_ce(logits['after_enc1'], tasks))


def test_first_misplaced_or_with_ingredient_says_why():
    with pytest.raises(ValueError, match='ingredient'):
        _model(FIRST, ingredient=True)
    with pytest.raises(ValueError, match='mixture_source'):
        _model(('own', 'last', 'own'))
    model = _model(('first', 'first', 'first'))
    inputs, samples = _batch(model, [0, 1])
    _set_iter(0)  # fails in stage 1 already, not only at the switch
    with pytest.raises(RuntimeError, match="first MPL in forward order"):
        model.forward_tensor(inputs, samples)


def test_demo_config_drops_enc2_and_dec3_classifier_and_sdam():
    first = MODELS.build(Config.fromfile(DEMO_FIRST).model)
    own = MODELS.build(Config.fromfile(DEMO).model)
    assert [m.mixture_source for m in (first.backbone.plugins[p] for p in POSITIONS)] == \
        ['own', 'first', 'first']
    # classifier C^2 + C + 5C + 5, SDAM 9 C^2 + 27 C + 27 C (bias-free 3x3 convs), at the
    # demo's enc2 (C = 24) and dec3 (C = 48) widths
    removed = sum(10 * c * c + 60 * c + 5 for c in (24, 48))
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    assert count(own) == 514154 and count(first) == 514154 - removed == 481024


@pytest.mark.slow
def test_torchrun_two_processes_with_first_need_no_unused_parameter_search(demo_data, tmp_path):
    """The real DDP wrapper of the demo (find_unused_parameters=False) across the stage
    switch: it stops at the iteration after one where a parameter got no gradient."""
    from test_idr_train_tools import _scalars, _tiny_config
    config = _tiny_config(tmp_path, demo_data, max_iters=4, switch=2,
                          train_cfg=dict(val_interval=100),
                          default_hooks=dict(checkpoint=dict(interval=100)))
    cfg = Config.fromfile(config)
    for plugin in cfg.model.backbone.plugins[1:]:
        plugin.cfg.mixture_source = 'first'
    assert cfg.get('model_wrapper_cfg') is None  # the default: no unused-parameter search
    cfg.dump(config)
    work_dir = tmp_path / 'work'
    run_tool([sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node', '2',
              '--master_port', str(free_port()), 'tools/train.py', config,
              '--launcher', 'pytorch', '--work-dir', str(work_dir)], timeout=500)
    train = [r for r in _scalars(work_dir) if 'loss_l1' in r]
    assert [r['iter'] for r in train] == [1, 2, 3, 4]
    assert all(r['loss_cls'] > 0 for r in train)
