"""The refinement's written-out gradients against torch's own operators and autograd.

DL-Net's head computes each step's gradient as ``h^T(dL/dh(z))`` with explicit
ops (phase convs for h on CPU, the closed-form fidelity gradient, the
transposed conv) instead of autograd's double backward. Every test here
compares them with an independent computation: ``F.conv_transpose2d`` /
``F.conv2d`` and autograd through them, and a reference unroll written with
``torch.autograd.grad(create_graph=True)`` as the paper's Eq. 4-5 describe it.
"""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from irtoolbox.models.heads import LikelihoodHead
from irtoolbox.models.heads.observation_model import ObservationModel
from irtoolbox.models.layers import ImageOutputLayer
from irtoolbox.models.layers.phase_deconv import (
    phase_conv_transpose2d,
    phase_conv_transpose2d_adjoint,
)
from irtoolbox.structures import RestorationDataSample

# (kernel, stride, padding, output_padding): DL-Net's h (4, 2, 1, 0), the SISR
# backbones' 17-tap h at x2/x3/x4, and shapes where phases have unequal tap counts.
DECONV_SHAPES = [(4, 2, 1, 0), (17, 2, 8, 1), (17, 3, 8, 2), (17, 4, 8, 3), (3, 1, 1, 0),
                 (2, 2, 0, 0), (5, 2, 2, 1), (3, 2, 0, 1), (7, 2, 5, 1), (5, 3, 0, 2)]


def sample_with(params, hw):
    return RestorationDataSample(metainfo=dict(degradation_params=params, input_shape=hw))


def mask_params(rng, hw, kind):
    if kind == 'box':
        mask = np.ones(hw, np.uint8)
        mask[1:1 + hw[0] // 2, 2:2 + hw[1] // 2] = 0
        return dict(name='BoxMask', side=hw[0] // 2, shift=[0, 0], mask=mask)
    mask = (rng.random(hw) >= 0.4).astype(np.uint8)
    return dict(name='BernoulliMask', drop=0.4, seed=0, mask=mask)


@pytest.mark.parametrize('kernel,stride,padding,output_padding', DECONV_SHAPES)
def test_phase_deconv_and_adjoint_equal_torch(kernel, stride, padding, output_padding):
    torch.manual_seed(kernel * 10 + stride)
    x = torch.randn(2, 5, 7, 9, dtype=torch.float64)
    w = torch.randn(5, 3, kernel, kernel, dtype=torch.float64)
    b = torch.randn(3, dtype=torch.float64)
    args = ((stride, stride), (padding, padding), (output_padding, output_padding))
    expected = F.conv_transpose2d(x, w, b, stride, padding, output_padding)
    for layout in (torch.contiguous_format, torch.channels_last):
        out = phase_conv_transpose2d(x.contiguous(memory_format=layout), w, b, *args)
        assert out.shape == expected.shape
        torch.testing.assert_close(out, expected, rtol=0, atol=1e-10)
    grad = torch.randn_like(expected)
    adjoint = phase_conv_transpose2d_adjoint(grad, w, (7, 9), *args)
    torch.testing.assert_close(adjoint, F.conv2d(grad, w, stride=stride, padding=padding),
                               rtol=0, atol=1e-10)


def test_phase_ops_have_second_order_gradients():
    torch.manual_seed(0)
    x = torch.randn(1, 2, 4, 5, dtype=torch.float64, requires_grad=True)
    w = torch.randn(2, 3, 4, 4, dtype=torch.float64, requires_grad=True)

    def step(x, w):  # a refinement-like composition: h, a nonlinearity, h^T
        out = phase_conv_transpose2d(x, w, None, (2, 2), (1, 1), (0, 0))
        return phase_conv_transpose2d_adjoint(out * out, w, (4, 5), (2, 2), (1, 1), (0, 0))

    assert torch.autograd.gradcheck(step, (x, w))
    assert torch.autograd.gradgradcheck(step, (x, w))


def reference_h(layer, z):
    """out_act(conv(act(z))) written with torch's functional ops: h without its
    global skip, which does not depend on z (the oracle of input_gradient)."""
    conv = layer.conv
    a = layer.act(z)
    if isinstance(conv, torch.nn.ConvTranspose2d):
        out = F.conv_transpose2d(a, conv.weight, conv.bias, conv.stride, conv.padding,
                                 conv.output_padding)
    else:
        out = F.conv2d(a, conv.weight, conv.bias, conv.stride, conv.padding)
    return out if layer.out_act is None else layer.out_act(out)


@pytest.mark.parametrize('cfg', [
    dict(in_channels=6),  # DL-Net's context-encoder h: ReLU, ConvT 4x4 s2
    dict(in_channels=6, act_cfg=dict(type='LeakyReLU', negative_slope=0.2)),
    dict(in_channels=6, act_cfg=dict(type='Identity'), conv_type='conv', kernel_size=3,
         stride=1, padding=1, global_skip='identity'),
    dict(in_channels=6, conv_type='conv', kernel_size=3, stride=2, padding=1),
    dict(in_channels=6, kernel_size=5, stride=3, padding=2, output_padding=2,
         global_skip='bicubic'),
    dict(in_channels=6, out_act_cfg=dict(type='Tanh')),  # no closed form: autograd
])
@pytest.mark.parametrize('layout', [torch.contiguous_format, torch.channels_last])
def test_input_gradient_is_the_vjp_of_h(cfg, layout):
    torch.manual_seed(1)
    layer = ImageOutputLayer(out_channels=3, **cfg).double()
    layer.init_weights()
    z = torch.randn(2, 6, 7, 8, dtype=torch.float64).contiguous(memory_format=layout)
    inputs = torch.randn(2, 3, 7, 8, dtype=torch.float64)
    leaf = z.detach().clone().requires_grad_(True)
    out = reference_h(layer, leaf)
    torch.testing.assert_close(layer.conv_forward(layer.act(z)),
                               F.conv_transpose2d(layer.act(z), layer.conv.weight,
                                                  stride=layer.conv.stride,
                                                  padding=layer.conv.padding,
                                                  output_padding=layer.conv.output_padding)
                               if cfg.get('conv_type', 'deconv') == 'deconv' else
                               F.conv2d(layer.act(z), layer.conv.weight,
                                        stride=layer.conv.stride, padding=layer.conv.padding),
                               rtol=0, atol=1e-10)
    grad_out = torch.randn_like(out)
    expected, = torch.autograd.grad(out, leaf, grad_out)
    got = layer.input_gradient(z, grad_out, inputs)
    assert got.shape == z.shape
    torch.testing.assert_close(got, expected, rtol=0, atol=1e-10)


def test_fidelity_gradient_is_the_gradient_of_the_fidelity():
    rng = np.random.default_rng(0)
    # a mask-only batch padded beyond its input_shape (the padding gets no gradient)
    samples = [sample_with(mask_params(rng, (10, 12), kind), (10, 12)) for kind in
               ('box', 'bernoulli', 'box')]
    y = torch.randn(3, 3, 12, 16, dtype=torch.float64)
    obs = ObservationModel(samples, y)
    x = torch.randn(3, 3, 12, 16, dtype=torch.float64, requires_grad=True)
    expected, = torch.autograd.grad(obs.fidelity(x), x)
    torch.testing.assert_close(obs.fidelity_gradient(x.detach()), expected, rtol=0, atol=1e-12)
    assert torch.all(expected[..., 10:, :] == 0) and expected.abs().sum() > 0
    # the rows of a chunk: the same per-sample gradients (divided by the whole N)
    part = obs.rows(1, 3)
    torch.testing.assert_close(part.fidelity_gradient(x.detach()[1:3]), expected[1:3],
                               rtol=0, atol=1e-12)
    torch.testing.assert_close(obs.rows(0, 1).fidelity(x[:1]) + part.fidelity(x[1:]),
                               obs.fidelity(x), rtol=1e-12, atol=0)
    # a blur + downsample batch goes through autograd: same gradient
    from irtoolbox.datasets.transforms import Degrade
    gt = np.random.default_rng(1).random((24, 24, 3)).astype(np.float32)
    np.random.seed(2)
    params = Degrade([dict(type='GaussianBlur', sigma_range=(0.5, 1.5)),
                      dict(type='Downsample', scale=2)])(dict(gt=gt))['degradation_params']
    y = torch.randn(1, 3, 12, 12, dtype=torch.float64)
    obs = ObservationModel([sample_with(params, (12, 12))], y)
    x = torch.randn(1, 3, 24, 24, dtype=torch.float64, requires_grad=True)
    expected, = torch.autograd.grad(obs.fidelity(x), x)
    torch.testing.assert_close(obs.fidelity_gradient(x.detach()), expected, rtol=0, atol=1e-12)


def reference_unroll(z0, weight, y, masks, num_steps, gamma=1e-3, betas=(0.9, 0.999),
                     bias=None):
    """Eq. 4-5 with autograd's create_graph and the paper's printed floor:
    h = ReLU + ConvT(4, 2, 1); the fidelity per image over its observed entries."""
    def h(z):
        return F.conv_transpose2d(torch.relu(z), weight, bias, stride=2, padding=1)

    def fidelity(x):
        per_image = ((x - y) ** 2 * masks).sum(dim=(1, 2, 3)) / (masks.sum(dim=(1, 2, 3)) * 3)
        return per_image.sum() / (2 * x.shape[0])

    z, m, v = z0, 0, 0
    for k in range(1, num_steps):
        grad, = torch.autograd.grad(fidelity(h(z)), z, create_graph=True)
        m = betas[0] * m + (1 - betas[0]) * grad
        v = betas[1] * v + (1 - betas[1]) * grad * grad
        m_hat, v_hat = m / (1 - betas[0] ** k), v / (1 - betas[1] ** k)
        z = z - gamma * m_hat / torch.sqrt(torch.clamp(v_hat, min=1e-16))
    return h(z)


@pytest.mark.parametrize('chunk_size', [None, 2])
def test_training_unroll_equals_the_create_graph_reference(chunk_size):
    """Output and the gradients w.r.t. z0 and h's weight through a 3-step unroll
    (second order) equal the autograd reference, whole batch or in chunks."""
    torch.manual_seed(3)
    rng = np.random.default_rng(3)
    params = [mask_params(rng, (12, 12), kind) for kind in ('box', 'bernoulli', 'bernoulli')]
    samples = [sample_with(p, (12, 12)) for p in params]
    masks = torch.stack([torch.as_tensor(p['mask'], dtype=torch.float64)[None] for p in params])
    head = LikelihoodHead(output_layer=dict(in_channels=4), num_steps=4, step_size=1e-2,
                          chunk_size=chunk_size).double().train()
    head.init_weights()
    weight = head.output_layer.conv.weight
    z0 = torch.randn(3, 4, 6, 6, dtype=torch.float64, requires_grad=True)
    y = torch.randn(3, 3, 12, 12, dtype=torch.float64)
    target = torch.randn(3, 3, 12, 12, dtype=torch.float64)

    out = head(z0, inputs=y, data_samples=samples)
    grads = torch.autograd.grad(((out - target) ** 2).sum(), (z0, weight))
    ref = reference_unroll(z0, weight, y, masks, num_steps=4, gamma=1e-2)
    ref_grads = torch.autograd.grad(((ref - target) ** 2).sum(), (z0, weight))
    torch.testing.assert_close(out, ref, rtol=0, atol=1e-10)
    for got, expected in zip(grads, ref_grads):
        torch.testing.assert_close(got, expected, rtol=1e-8, atol=1e-10)
    # the refinement moved the output (the comparison is not K = 1 against K = 1)
    head.num_steps = 1
    assert (head(z0, inputs=y, data_samples=samples) - out).abs().max() > 1e-3


def test_chunked_inference_equals_the_whole_batch():
    torch.manual_seed(4)
    rng = np.random.default_rng(4)
    samples = [sample_with(mask_params(rng, (16, 16), kind), (16, 16))
               for kind in ('box', 'bernoulli', 'box', 'bernoulli', 'box')]
    head = LikelihoodHead(output_layer=dict(in_channels=8), num_steps=5, chunk_size=None)
    head.init_weights()
    head.eval()
    z0, y = torch.randn(5, 8, 8, 8), torch.randn(5, 3, 16, 16)
    z0_before = z0.clone()
    with torch.no_grad():
        whole = head(z0, inputs=y, data_samples=samples)
        head.chunk_size = 2
        chunked = head(z0, inputs=y, data_samples=samples)
        head.num_steps = 1
        plain = head(z0, inputs=y, data_samples=samples)
    torch.testing.assert_close(chunked, whole, rtol=0, atol=1e-6)
    assert (whole - plain).abs().max() > 1e-3
    assert torch.equal(z0, z0_before)  # the in-place updates work on a copy
    with pytest.raises(ValueError, match='chunk_size'):
        LikelihoodHead(output_layer=dict(in_channels=8), chunk_size=0)


@pytest.mark.parametrize('bias,padded', [(False, False), (True, True)])
def test_inference_unroll_equals_the_reference(bias, padded):
    """Inference (NHWC z, the residual in h's phase grid, in-place Adam) gives
    the reference's output; with a bias in h and a batch padded beyond its
    input_shape (no residual on the padding)."""
    torch.manual_seed(5)
    rng = np.random.default_rng(5)
    hw = (13, 14) if padded else (16, 16)
    params = [mask_params(rng, hw, kind) for kind in ('box', 'bernoulli')]
    masks = torch.zeros(2, 1, 16, 16, dtype=torch.float64)
    for i, p in enumerate(params):
        masks[i, 0, :hw[0], :hw[1]] = torch.as_tensor(p['mask'], dtype=torch.float64)
    head = LikelihoodHead(output_layer=dict(in_channels=8, bias=bias), num_steps=5).double()
    head.init_weights()
    head.eval()
    if bias:
        torch.nn.init.normal_(head.output_layer.conv.bias)
    z0 = torch.randn(2, 8, 8, 8, dtype=torch.float64)
    y = torch.randn(2, 3, 16, 16, dtype=torch.float64)
    with torch.no_grad():
        out = head(z0, inputs=y, data_samples=[sample_with(p, hw) for p in params])
    conv = head.output_layer.conv
    ref = reference_unroll(z0.clone().requires_grad_(True), conv.weight.detach(), y, masks,
                           num_steps=5, bias=None if conv.bias is None else conv.bias.detach())
    torch.testing.assert_close(out, ref.detach(), rtol=0, atol=1e-10)
    head.num_steps = 1
    with torch.no_grad():
        assert (head(z0, inputs=y, data_samples=[sample_with(p, hw) for p in params])
                - out).abs().max() > 1e-3
