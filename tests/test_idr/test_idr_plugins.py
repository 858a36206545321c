"""SDAM, meta-prior learning and their losses inside a tiny Restormer.

Oracles: which parameters a loss's gradient reaches (zero vs non-zero),
indexing the hub of each sample's known type, a sample restored alone vs in a
mixed batch, the mean hub (ingredient mode at initialisation), the
label-smoothed cross-entropy written out by hand, the preprocessor's padding
followed by 2x2 average pooling.
"""
import pytest
import torch
import torch.nn.functional as F
from mmengine.logging import MessageHub

from irtoolbox.models.batch_context import BatchContext
from irtoolbox.models.losses.sdam_loss import target_at_scale
from irtoolbox.models.plugins.meta_prior import MPL_PLACEMENTS
from irtoolbox.registry import MODELS
from irtoolbox.structures import RestorationDataSample

TAPS = dict(sdam='**.sdam_image', degradation='**.degradation_classifier')
LOSSES = dict(l1=dict(type='L1Loss'), sdam=dict(type='SDAMLoss'),
              cls=dict(type='DegradationTypeLoss'))


def _model(placement='2E+1D', num_tokens=4, detach=True, ingredient=False, switch=None,
           use_sdam=True, losses=None):
    plugins = [dict(cfg=dict(type='MetaPriorLearning', num_tokens=num_tokens, use_sdam=use_sdam,
                             sdam_cfg=dict(detach=detach), ingredient=ingredient),
                    position=position) for position in MPL_PLACEMENTS[placement]]
    backbone = dict(type='Restormer', dim=8, num_blocks=(1, 1, 1, 1), heads=(1, 1, 1, 1),
                    num_refinement_blocks=1, plugins=plugins)
    taps = TAPS if use_sdam else dict(degradation=TAPS['degradation'])
    model = MODELS.build(dict(type='AllInOneRestorer', backbone=backbone,
                              losses=losses or LOSSES, feature_taps=taps,
                              stage_switch_iter=switch))
    model.init_weights()
    return model


def _batch(model, tasks, size=16, seed=0):
    g = torch.Generator().manual_seed(seed)
    data = dict(inputs=[torch.rand(3, size, size, generator=g) for _ in tasks],
                data_samples=[RestorationDataSample(gt_img=torch.rand(3, size, size, generator=g),
                                                    metainfo=dict(task_idx=t)) for t in tasks])
    data = model.data_preprocessor(data, True)
    return data['inputs'], data['data_samples']


def _grad_norms(model, loss_name, inputs, samples):
    model.zero_grad()
    model(inputs, samples, mode='loss')[loss_name].backward()
    return {n: (0.0 if p.grad is None else float(p.grad.abs().sum()))
            for n, p in model.named_parameters()}


@pytest.mark.parametrize('loss_name', ['loss_sdam', 'loss_cls'])
def test_detached_sdam_keeps_its_losses_out_of_the_backbone(loss_name):
    torch.manual_seed(0)
    model = _model('3E')
    inputs, samples = _batch(model, [0, 1])
    grads = _grad_norms(model, loss_name, inputs, samples)
    before = [n for n in grads if n.startswith(('backbone.patch_embed', 'backbone.encoders.0'))]
    assert before and all(grads[n] == 0 for n in before)
    sdam = [n for n in grads if '.sdam.conv' in n]
    assert any(grads[n] > 0 for n in sdam)


def test_without_detach_the_sdam_loss_reaches_the_backbone():
    torch.manual_seed(0)
    model = _model('3E', detach=False)
    inputs, samples = _batch(model, [0, 1])
    grads = _grad_norms(model, 'loss_sdam', inputs, samples)
    assert grads['backbone.patch_embed.weight'] > 0


@pytest.mark.parametrize('placement,num_tokens', [('2E+1D', 24), ('3E', 24), ('3D', 24),
                                                  ('2E+1D', 12), ('2E+1D', 36), ('2E+1D', 48)])
def test_every_placement_and_capacity_builds_and_trains_a_step(placement, num_tokens):
    torch.manual_seed(0)
    model = _model(placement, num_tokens)
    hubs = [m.hubs for m in model.modules() if hasattr(m, 'hubs')]
    assert len(hubs) == 3 and all(h.shape == (5, num_tokens, h.shape[-1]) for h in hubs)
    inputs, samples = _batch(model, [0, 2, 4])
    losses = model(inputs, samples, mode='loss')
    assert set(losses) == {'loss_l1', 'loss_sdam', 'loss_cls'}
    sum(losses.values()).backward()
    # Every parameter is in the graph (DDP needs no find_unused_parameters).
    missing = [n for n, p in model.named_parameters() if p.grad is None]
    assert not missing, missing


def _mpl_modules(model):
    return [m for m in model.modules() if type(m).__name__ == 'MetaPriorLearning']


def hub_weights(model, inputs, samples):
    """The network's output and each MPL's hub weights (forward order), read from the
    batch context of that forward."""
    context = model.batch_context(inputs, samples)
    with context.active():
        out = model.network(inputs)
    return out, context.read('hub_weights')


def test_mixed_task_batch_gives_each_sample_its_own_hub():
    torch.manual_seed(1)
    model = _model('3E', switch=None)  # stage 1 for the whole training
    tasks = [3, 0, 4, 1]
    inputs, samples = _batch(model, tasks)
    model.train()
    with torch.no_grad():
        mixed, weights = hub_weights(model, inputs, samples)
        assert len(weights) == len(_mpl_modules(model)) == 3
        for mpl, w in zip(_mpl_modules(model), weights):
            assert torch.equal(w, F.one_hot(torch.tensor(tasks), 5).float())
            mpl_tokens = mpl.hub_tokens(w)
            assert torch.equal(mpl_tokens, mpl.hubs[torch.tensor(tasks)])
        # a sample restored alone with its task equals its row of the mixed batch
        for i in range(len(tasks)):
            alone = model.forward_tensor(inputs[i:i + 1], samples[i:i + 1])
            torch.testing.assert_close(alone, mixed[i:i + 1], rtol=1e-5, atol=1e-6)
        # the released code's rule (one task per batch, the first label) differs
        first = [RestorationDataSample(metainfo=dict(task_idx=tasks[0])) for _ in tasks]
        assert not torch.allclose(model.forward_tensor(inputs, first), mixed)


def test_second_stage_and_test_time_use_the_predicted_mixture():
    torch.manual_seed(2)
    model = _model('3E', switch=5)
    inputs, samples = _batch(model, [0, 1, 2])
    hub = MessageHub.get_current_instance()
    model.train()
    hub.update_info('iter', 4)
    assert model.stage() == 1
    hub.update_info('iter', 5)
    assert model.stage() == 2
    with torch.no_grad():
        _, weights = hub_weights(model, inputs, samples)
    for w in weights:
        torch.testing.assert_close(w.sum(1), torch.ones(3))
        assert not torch.equal(w, F.one_hot(torch.tensor([0, 1, 2]), 5).float())
    model.eval()
    assert model.stage() == 2
    hub.update_info('iter', 0)


def test_ingredient_tokens_start_as_the_mean_hub_and_train_in_stage_2():
    torch.manual_seed(3)
    model = _model('3E', ingredient=True, switch=0)
    mpl = _mpl_modules(model)[0]
    x = torch.randn(2, 8, 4, 4)
    torch.testing.assert_close(mpl.ingredient_tokens(x), mpl.hubs.mean(0).expand(2, -1, -1),
                               rtol=1e-4, atol=1e-6)
    inputs, samples = _batch(model, [0, 1])
    model.train()
    sum(model(inputs, samples, mode='loss').values()).backward()
    assert mpl.token_mixer.grad.abs().sum() > 0
    assert mpl.ingredient_head[-1].weight.grad.abs().sum() > 0


def test_classifier_loss_is_label_smoothed_cross_entropy_weighted_0_01():
    loss = MODELS.build(dict(type='DegradationTypeLoss'))
    logits = torch.tensor([[2.0, 0.0, -1.0], [0.5, 0.5, 3.0]])
    samples = [RestorationDataSample(metainfo=dict(task_idx=t)) for t in (0, 1)]
    logp = torch.log_softmax(logits, 1)
    by_hand = [0.9 * -logp[0, 0] + 0.1 * -logp[0].mean(), 0.9 * -logp[1, 1] + 0.1 * -logp[1].mean()]
    expected = 0.01 * (by_hand[0] + by_hand[1]) / 2
    torch.testing.assert_close(loss(dict(degradation=[logits]), samples), expected)


def test_sdam_loss_target_is_the_padded_input_box_averaged():
    target = torch.rand(1, 3, 13, 21)
    padded = F.pad(target, (0, 3, 0, 3), mode='reflect')  # the preprocessor's pad to 16 x 24
    torch.testing.assert_close(target_at_scale(target, (8, 12)), F.avg_pool2d(padded, 2))
    torch.testing.assert_close(target_at_scale(target, (4, 6)), F.avg_pool2d(padded, 4))


def test_sdam_degraded_supervision_matches_what_the_sdam_adds():
    """With conv2 = 0 the SDAM image is its degraded input: the loss is zero."""
    torch.manual_seed(4)
    sdam = MODELS.build(dict(type='SDAM', in_channels=8))
    with torch.no_grad():
        sdam.conv2.weight.zero_()
    lq = torch.rand(2, 3, 16, 16)
    images = []
    sdam.sdam_image.register_forward_hook(lambda _m, _i, out: images.append(out))
    with BatchContext(inputs=lq).active():
        sdam(torch.randn(2, 8, 8, 8))
    loss = MODELS.build(dict(type='SDAMLoss'))
    assert float(loss(dict(sdam=images), lq, torch.rand(2, 3, 16, 16))) == 0
    clean = MODELS.build(dict(type='SDAMLoss', supervision='clean'))
    assert float(clean(dict(sdam=images), lq, torch.rand(2, 3, 16, 16))) > 0


def test_plugins_outside_a_restorer_forward_say_what_is_needed():
    mpl = MODELS.build(dict(type='MetaPriorLearning', in_channels=8, num_tokens=2))
    with pytest.raises(RuntimeError, match='MetaPriorLearning reads the batch.*BatchContext'):
        mpl(torch.randn(1, 8, 4, 4))


def test_sdam_and_meta_prior_run_in_a_plain_restorer_with_the_unet():
    """Issue 17: no AllInOneRestorer. A plain Restorer around the pix2pix U-Net with an
    MPL (and its SDAM) before encoder level 2 trains with all three losses, and in
    stage 1 (no stage_switch_iter) every sample uses its own task's hub: the hub
    weights are the one-hot labels (hand value), and other labels change the output.
    On the code before the batch context this raised (SDAM needed an AllInOneRestorer)."""
    torch.manual_seed(6)
    plugins = [dict(cfg=dict(type='MetaPriorLearning', num_types=5, num_tokens=4),
                    position='before_enc2')]
    model = MODELS.build(dict(type='Restorer', losses=LOSSES, feature_taps=TAPS,
                              backbone=dict(type='UNetGenerator', depth=3, base_channels=8,
                                            plugins=plugins)))
    model.init_weights()
    model.train()
    tasks = [2, 0, 4]
    inputs, samples = _batch(model, tasks)
    losses = model(inputs, samples, mode='loss')
    assert set(losses) == {'loss_l1', 'loss_sdam', 'loss_cls'}
    assert all(torch.isfinite(v) for v in losses.values())
    with torch.no_grad():
        out, weights = hub_weights(model, inputs, samples)
        assert len(weights) == 1
        assert torch.equal(weights[0], F.one_hot(torch.tensor(tasks), 5).float())
        _, shifted = _batch(model, [1, 3, 0])
        assert not torch.allclose(model.forward_tensor(inputs, shifted), out)


def test_sdam_off_ablation_trains_without_the_sdam_loss():
    losses = dict(l1=dict(type='L1Loss'), cls=dict(type='DegradationTypeLoss'))
    model = _model('2E+1D', use_sdam=False, losses=losses)
    inputs, samples = _batch(model, [1, 2])
    out = model(inputs, samples, mode='loss')
    assert set(out) == {'loss_l1', 'loss_cls'}
    assert not any('sdam' in n for n, _ in model.named_parameters())


def test_inference_api_runs_the_all_in_one_model_on_an_odd_sized_image():
    import numpy as np

    from irtoolbox.apis import restore_image
    torch.manual_seed(5)
    model = _model('2E+1D').eval()
    img = np.random.default_rng(0).random((13, 19, 3)).astype(np.float32)
    out = restore_image(model, img)
    assert out.shape == (13, 19, 3) and out.dtype == np.uint8
