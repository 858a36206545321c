"""DL-Net's likelihood head (Eq. 4-5) against independent computations."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from irtoolbox.datasets.transforms import Degrade
from irtoolbox.models.backbones import DRRN, ContextEncoderAE
from irtoolbox.models.heads import LikelihoodHead
from irtoolbox.models.heads.observation_model import SampleObservation
from irtoolbox.structures import RestorationDataSample

GAMMA = 1e-3


def sample_with(params, hw):
    return RestorationDataSample(metainfo=dict(degradation_params=params, input_shape=hw))


def box_params(side, shift=(0, 0), hw=(8, 8)):
    mask = np.ones(hw, np.uint8)
    top, left = hw[0] // 2 + shift[0] - side // 2, hw[1] // 2 + shift[1] - side // 2
    mask[top:top + side, left:left + side] = 0
    return dict(name='BoxMask', level=None, side=side, shift=list(shift), mask=mask)


def bernoulli_params(drop, seed, hw=(8, 8)):
    mask = (np.random.default_rng(seed).random(hw) >= drop).astype(np.uint8)
    return dict(name='BernoulliMask', level=None, drop=drop, seed=seed, mask=mask)


def tiny_head(num_steps, in_channels=4, dtype=torch.float32, seed=0):
    torch.manual_seed(seed)
    head = LikelihoodHead(output_layer=dict(in_channels=in_channels, out_channels=3,
                                            conv_type='conv', kernel_size=3, stride=1,
                                            padding=1),
                          num_steps=num_steps, step_size=GAMMA)
    head.init_weights()
    return head.to(dtype)


def masked_fidelity(x, y, masks, per_pixel=1):
    """Sum over images of (masked squared error / observed pixels) / 2 / N,
    written out here from the released code's description (its mask is
    N x H x W x 1); ``per_pixel=C`` counts entries instead."""
    terms = [((x[i] - y[i]) ** 2 * masks[i]).sum() / (masks[i].sum() * per_pixel)
             for i in range(x.shape[0])]
    return torch.stack(terms).sum() / 2 / x.shape[0]


def test_first_update_is_minus_gamma_sign_grad():
    head = tiny_head(num_steps=2).eval()
    z0 = torch.randn(2, 4, 8, 8)
    y = torch.randn(2, 3, 8, 8)
    params = [box_params(4), bernoulli_params(0.5, 3)]
    samples = [sample_with(p, (8, 8)) for p in params]
    z1 = head.refine(z0, y, head.observation(y, samples))
    # independent gradient: the conv of h written with F.conv2d, the masked fidelity by hand
    z = z0.clone().requires_grad_(True)
    x = F.conv2d(torch.relu(z), head.output_layer.conv.weight.detach(), padding=1)
    masks = torch.stack([torch.as_tensor(p['mask'], dtype=torch.float32)[None] for p in params])
    grad, = torch.autograd.grad(masked_fidelity(x, y, masks), z)
    step = z1 - z0
    big = grad.abs() > 1e-7
    assert big.sum() > 100 and (grad == 0).sum() > 100  # ReLU zeroes the gradient of z < 0
    torch.testing.assert_close(step[big], -GAMMA * torch.sign(grad[big]), rtol=1e-4, atol=1e-9)
    assert torch.all(step[grad == 0] == 0)


def test_unroll_matches_torch_adam_on_z():
    """K - 1 steps equal torch.optim.Adam (lr gamma, standard bias correction
    1 - beta^k) run on z with the hand-written fidelity's gradient. Adam's eps
    (added to sqrt(v^)) and the head's floor max(v^, 1e-16) differ only where
    |grad| ~ 1e-8; gradients are exactly 0 or much larger here."""
    head = tiny_head(num_steps=4, dtype=torch.float64).eval()
    torch.manual_seed(5)
    z0 = torch.randn(2, 4, 8, 8, dtype=torch.float64)
    y = torch.randn(2, 3, 8, 8, dtype=torch.float64)
    params = [box_params(3), bernoulli_params(0.3, 7)]
    samples = [sample_with(p, (8, 8)) for p in params]
    masks = torch.stack([torch.as_tensor(p['mask'], dtype=torch.float64)[None] for p in params])
    weight = head.output_layer.conv.weight.detach()
    z = z0.clone().requires_grad_(True)
    adam = torch.optim.Adam([z], lr=GAMMA, betas=(0.9, 0.999), eps=1e-8)
    for _ in range(3):
        adam.zero_grad()
        x = F.conv2d(torch.relu(z), weight, padding=1)
        masked_fidelity(x, y, masks).backward()
        adam.step()
    refined = head.refine(z0, y, head.observation(y, samples))
    # Eq. 5 as printed (1 - beta, no power) would be off by ~3e-4 after the second step
    torch.testing.assert_close(refined, z.detach(), rtol=0, atol=1e-5)
    assert (refined - z0).abs().max() > 2e-3  # three steps of ~1e-3 were taken


def test_likelihood_ignores_pixels_inside_the_hole():
    head = tiny_head(num_steps=5).eval()
    z0 = torch.randn(1, 4, 8, 8)
    params = box_params(4)
    y = torch.randn(1, 3, 8, 8)
    y2 = y.clone()
    hole = torch.as_tensor(params['mask'] == 0)
    y2[0, :, hole] = torch.randn(3, int(hole.sum())) * 10
    samples = [sample_with(params, (8, 8))]
    out1 = head(z0, inputs=y, data_samples=samples)
    out2 = head(z0, inputs=y2, data_samples=samples)
    assert torch.equal(out1, out2)
    # ... while an observed pixel does change it (the test can fail)
    y2[0, :, 0, 0] += 1
    assert not torch.equal(out1, head(z0, inputs=y2, data_samples=samples))


def test_k1_equals_reference_network_exactly():
    torch.manual_seed(0)
    full = ContextEncoderAE(channels=(8, 8, 8, 8), with_output_layer=True)
    full.init_weights()
    g = ContextEncoderAE(channels=(8, 8, 8, 8), with_output_layer=False)
    head = LikelihoodHead(output_layer=dict(in_channels=8), num_steps=1)
    state = full.state_dict()
    g.load_state_dict({k: v for k, v in state.items() if not k.startswith('output_layer.')})
    head.load_state_dict({k: v for k, v in state.items() if k.startswith('output_layer.')})
    x = torch.randn(2, 3, 64, 64)
    samples = [sample_with(box_params(20, hw=(64, 64)), (64, 64))] * 2
    for mode in ('train', 'eval'):
        for m in (full, g, head):
            getattr(m, mode)()
        assert torch.equal(head(g(x), inputs=x, data_samples=samples), full(x))
    # K = 2 does differ (the comparison is not vacuous)
    head.num_steps = 2
    assert not torch.equal(head(g(x), inputs=x, data_samples=samples), full(x))


def test_gradcheck_two_step_unroll_float64():
    head = tiny_head(num_steps=3, in_channels=2, dtype=torch.float64, seed=1).train()
    torch.manual_seed(2)
    z0 = torch.randn(2, 2, 5, 5, dtype=torch.float64, requires_grad=True)
    y = torch.randn(2, 3, 5, 5, dtype=torch.float64)
    samples = [sample_with(box_params(2, hw=(5, 5)), (5, 5)),
               sample_with(bernoulli_params(0.4, 1, hw=(5, 5)), (5, 5))]
    weight = head.output_layer.conv.weight.detach().clone().requires_grad_(True)

    def unrolled(z, w):
        out = torch.func.functional_call(head, {'output_layer.conv.weight': w}, (z,),
                                         dict(inputs=y, data_samples=samples))
        return out

    assert torch.autograd.gradcheck(unrolled, (z0, weight), eps=1e-6, atol=1e-5)


def test_no_grad_inference_still_refines():
    head = tiny_head(num_steps=5).eval()
    z0 = torch.randn(1, 4, 8, 8)
    y = torch.randn(1, 3, 8, 8)
    params = bernoulli_params(0.3, 5)
    samples = [sample_with(params, (8, 8))]
    mask = torch.as_tensor(params['mask'], dtype=torch.float32)[None, None]
    with torch.no_grad():
        out5 = head(z0, inputs=y, data_samples=samples)
        head.num_steps = 1
        out1 = head(z0, inputs=y, data_samples=samples)
    assert not out5.requires_grad
    err = [float(((o - y) ** 2 * mask).sum()) for o in (out1, out5)]
    assert err[1] < err[0]  # the refinement lowered the fidelity


def test_mixed_batch_gives_each_sample_its_own_w():
    head = tiny_head(num_steps=4).eval()
    torch.manual_seed(3)
    z0 = torch.randn(3, 4, 8, 8)
    y = torch.randn(3, 3, 8, 8)
    params = [box_params(2, (1, -1)), bernoulli_params(0.6, 9), box_params(5)]
    samples = [sample_with(p, (8, 8)) for p in params]
    obs = head.observation(y, samples)
    for i, p in enumerate(params):
        assert torch.equal(obs.masks[i, 0], torch.as_tensor(p['mask'], dtype=torch.float32))
    batch = head.refine(z0, y, obs)
    for i in range(3):
        alone = head.refine(z0[i:i + 1], y[i:i + 1], head.observation(y[i:i + 1], samples[i:i + 1]))
        torch.testing.assert_close(batch[i:i + 1], alone, rtol=0, atol=1e-6)
    # swapping two samples' degradations changes their refinement
    swapped = head.refine(z0, y, head.observation(y, [samples[2], samples[1], samples[0]]))
    assert not torch.allclose(swapped[0], batch[0])


@pytest.mark.parametrize('degradation', [
    dict(type='BoxMask'),
    dict(type='BernoulliMask'),
    dict(type='Downsample', scale=3, kernel=dict(sigma_range=(0.0, 3.0))),
    [dict(type='GaussianBlur', sigma_range=(0.5, 2.0)), dict(type='Downsample', scale=2)],
])
def test_w_from_recorded_params_equals_the_pipeline_degradation(degradation):
    rng = np.random.default_rng(0)
    gt = (0.2 + 0.6 * rng.random((36, 36, 3))).astype(np.float32)
    gt = (gt + np.roll(gt, 1, 0) + np.roll(gt, 1, 1)) / 3  # smooth: bicubic stays in [0, 1]
    np.random.seed(4)
    results = Degrade(degradation)(dict(gt=gt.copy()))
    wx, observed = SampleObservation(results['degradation_params']).apply(
        torch.from_numpy(gt.transpose(2, 0, 1))[None])
    lq = torch.from_numpy(results['img'].transpose(2, 0, 1))[None]
    if observed is None:
        torch.testing.assert_close(wx, lq, rtol=0, atol=1e-5)
    else:
        assert 0 < observed.sum() < observed.numel() or observed.sum() == observed.numel()
        torch.testing.assert_close(wx * observed, lq * observed, rtol=0, atol=1e-5)
        assert torch.all(lq[(observed == 0).expand_as(lq)] == 0)  # the fill, outside


def test_head_adds_no_parameters():
    # The paper's autoencoder, counted by hand from its layer list (Sec. IV-E):
    enc = 3 * 64 * 16 + 64 * 128 * 16 + 128 * 256 * 16 + 256 * 512 * 16
    dec = 512 * 256 * 16 + 256 * 128 * 16 + 128 * 64 * 16
    bn = 2 * (64 + 128 + 256 + 512) + 2 * (256 + 128 + 64)
    fc, h = 512 * 16 * 16, 64 * 3 * 16
    g = ContextEncoderAE(with_output_layer=False)
    head = LikelihoodHead(output_layer=dict(in_channels=64), num_steps=5)
    total = sum(p.numel() for m in (g, head) for p in m.parameters())
    assert total == enc + dec + bn + fc + h == 5_645_056
    assert sum(p.numel() for p in head.parameters()) == h
    assert len(list(head.buffers())) == 0


def test_drrn_variant_parameter_count_near_paper():
    for scale in (2, 3, 4):
        count = sum(p.numel() for p in DRRN(scale=scale).parameters())
        assert abs(count - 0.36e6) / 0.36e6 < 0.10, count


def test_without_data_samples_the_head_is_the_reference_network():
    """irtoolbox.apis calls model.forward_tensor(t) without samples: W is unknown,
    the head returns h(z0) (K = 1) and warns; on_missing='error' raises."""
    from irtoolbox.registry import MODELS
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='Restorer', backbone=dict(type='ContextEncoderAE', channels=(4, 4, 4, 4),
                                       image_size=32, with_output_layer=False),
        head=dict(type='LikelihoodHead', output_layer=dict(in_channels=4), num_steps=5)))
    model.init_weights()
    model.eval()
    x = torch.randn(1, 3, 32, 32)
    with torch.no_grad(), pytest.warns(UserWarning, match='no recorded degradations'):
        out = model.forward_tensor(x)
    model.head.num_steps = 1
    with torch.no_grad():
        assert torch.equal(out, model.forward_tensor(x))
    model.head.num_steps, model.head.on_missing = 5, 'error'
    with pytest.raises(ValueError, match='degradation_params'):
        model.forward_tensor(x)


def test_paste_observed_keeps_the_input_where_observed():
    """Tables VI-VII: I_x + (1 - M) I_y at test time; training output untouched."""
    head = tiny_head(num_steps=3).eval()
    z0, y = torch.randn(2, 4, 8, 8), torch.randn(2, 3, 8, 8)
    params = [box_params(4), bernoulli_params(0.5, 2)]
    samples = [sample_with(p, (8, 8)) for p in params]
    plain = head(z0, inputs=y, data_samples=samples)
    head.paste_observed = True
    pasted = head(z0, inputs=y, data_samples=samples)
    for i, p in enumerate(params):
        observed = torch.as_tensor(p['mask'] == 1)
        assert torch.equal(pasted[i][:, observed], y[i][:, observed])
        assert torch.equal(pasted[i][:, ~observed], plain[i][:, ~observed])
    head.train()
    observed = torch.as_tensor(params[0]['mask'] == 1)
    assert not torch.equal(head(z0, inputs=y, data_samples=samples)[0][:, observed],
                           y[0][:, observed])


def test_naive_likelihood_loss_is_lambda_times_the_fidelity():
    """Table I's L_rec + lambda L: the loss is lambda times the hand-written fidelity."""
    from irtoolbox.models.losses import LikelihoodLoss
    pred, lq = torch.randn(2, 3, 8, 8), torch.randn(2, 3, 8, 8)
    params = [box_params(4), bernoulli_params(0.5, 2)]
    masks = torch.stack([torch.as_tensor(p['mask'], dtype=torch.float32)[None] for p in params])
    loss = LikelihoodLoss(loss_weight=1e3)(pred, lq, [sample_with(p, (8, 8)) for p in params])
    torch.testing.assert_close(loss, 1e3 * masked_fidelity(pred, lq, masks))


def test_fidelity_divides_by_observed_pixels_by_hand_count():
    """Issue 22: a 1 x 3 x 2 x 2 image with one pixel in the hole, residual 1 on
    every entry: 3 observed pixels x 3 channels = 9 squared residuals of 1;
    released: 9 / 3 pixels / 2 = 1.5; the 'entries' option: 9 / 9 / 2 = 0.5."""
    from irtoolbox.models.heads.observation_model import ObservationModel
    mask = np.ones((2, 2), np.uint8)
    mask[0, 1] = 0
    params = dict(name='BoxMask', level=None, side=1, shift=[0, 0], mask=mask)
    y = torch.zeros(1, 3, 2, 2)
    x = torch.ones(1, 3, 2, 2)
    x[0, :, 0, 1] = 7.0                                  # in the hole: ignored
    samples = [sample_with(params, (2, 2))]
    assert float(ObservationModel(samples, y).fidelity(x)) == 1.5
    assert float(ObservationModel(samples, y, 'entries').fidelity(x)) == 0.5
    assert float(LikelihoodHead(output_layer=dict(in_channels=3, out_channels=3),
                                normalize='entries').observation(y, samples).fidelity(x)) == 0.5
    # no mask (SISR-like W = identity): 12 squared residuals over 4 pixels / 2 = 1.5
    plain = dict(name='GaussianNoise', level=None, sigma=0.0)
    ones = torch.ones(1, 3, 2, 2)
    assert float(ObservationModel([sample_with(plain, (2, 2))], y).fidelity(ones)) == 1.5
