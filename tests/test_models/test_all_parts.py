"""Every model part irtoolbox registers builds, runs forward and backward.

In the spirit of timm's ``tests/test_models.py``: the test is parametrised over
the names in irtoolbox's ``MODELS`` registry (read after importing
``irtoolbox.models``, keeping the classes defined inside the ``irtoolbox``
package), so a new part is picked up without touching this file's code. Each
part needs one row in ``PART_CONFIGS``; a part without a row fails, with a
message saying to add one.

A row::

    'Name': dict(cfg=dict(type='Name', ...),   # a tiny config
                 input=(2, 3, 8, 8),            # shape of one random input, or a
                                                # callable returning the forward's args
                 output=(2, 3, 8, 8)),          # expected output shape

How a part is exercised depends on what it is (``kind``, inferred, or set in
the row):

- ``'module'`` (backbones, plugins, layers, discriminators, heads):
  ``part(*args)``; the output (or ``select(output)``) must have shape
  ``output``; ``output.sum()`` is back-propagated.
- ``'loss'`` (class name ending in ``Loss``): with a shape ``input``, the loss
  is called with the entries its ``loss_inputs`` names (default ``pred, gt``)
  built at that shape; ``output`` is ``()`` for a scalar loss. The gradient
  reaching ``pred`` must be finite and not all zero.
- ``'restorer'`` (an mmengine ``BaseModel``): ``input`` is the image batch
  shape ``N x C x H x W``; images in [0, 1] with ground truth go through the
  model's data preprocessor and ``model(inputs, data_samples, mode='loss')``;
  ``output`` is the set of loss keys; their sum is back-propagated.
- ``'preprocessor'`` (an mmengine ``BaseDataPreprocessor``): ``input`` is a
  callable returning the data dict; ``select`` picks the tensor to check.

After backward, every parameter that requires grad must have a finite
gradient (``unused=('pattern', ...)`` in a row lists, by ``fnmatch`` on the
qualified name, parameters a tiny config legitimately leaves out of the graph).
"""
import fnmatch

import pytest
import torch
from mmengine.model import BaseDataPreprocessor, BaseModel

import irtoolbox.models  # noqa: F401  (registers every part)
from irtoolbox.models.restorers.all_in_one_restorer import BatchContext
from irtoolbox.registry import MODELS
from irtoolbox.structures import RestorationDataSample
from irtoolbox.testing import house_style_problems

# --------------------------------------------------------------------------
# One row per registered part. Keep rows tiny: the whole file runs in seconds.
# --------------------------------------------------------------------------
PART_CONFIGS = {
    # backbones
    'UNetGenerator': dict(
        cfg=dict(type='UNetGenerator', depth=3, base_channels=4, use_dropout=True),
        input=(2, 3, 8, 8), output=(2, 3, 8, 8)),
    'EnDecoder': dict(
        cfg=dict(type='EnDecoder', depth=2, base_channels=4),
        input=(2, 3, 8, 8), output=(2, 3, 8, 8)),
    'ResidualCNN': dict(
        cfg=dict(type='ResidualCNN', mid_channels=4, num_blocks=1),
        input=(2, 3, 8, 8), output=(2, 3, 8, 8)),
    'FDRNet': dict(
        cfg=dict(type='FDRNet', mid_channels=4, num_phases=2, num_fd_layers=2, ca_reduction=2),
        input=(2, 3, 8, 8), output=(2, 3, 8, 8)),
    'Restormer': dict(
        cfg=dict(type='Restormer', dim=4, num_blocks=(1, 1, 1, 1), heads=(1, 1, 1, 1),
                 num_refinement_blocks=1),
        input=(2, 3, 8, 8), output=(2, 3, 8, 8)),
    'IDRReleased': dict(  # outside a forward's batch context: stage 2, mixed by its classifiers
        cfg=dict(type='IDRReleased', dim=4, num_blocks=(1, 1, 1, 1), heads=(1, 1, 1, 1),
                 num_refinement_blocks=1, num_tokens=2),
        input=(2, 3, 8, 8), output=(2, 3, 8, 8),
        # as released: stage 2 reads the hub detached; the attentions' own qkv are never used
        unused=('hub', 'prior_blocks.*.attn.temperature', 'prior_blocks.*.attn.qkv*')),
    # plugins and layers
    'ChannelLayerNorm': dict(cfg=dict(type='ChannelLayerNorm', num_features=4),
                             input=(2, 4, 3, 3), output=(2, 4, 3, 3)),
    'SDAM': dict(  # reads the degraded image from the batch context
        cfg=dict(type='SDAM', in_channels=4, detach=False),
        input=lambda: (torch.randn(2, 4, 4, 4, requires_grad=True),
                       BatchContext(inputs=torch.rand(2, 3, 8, 8), task_idx=None, stage=2)),
        output=(2, 4, 4, 4)),
    'MetaPriorLearning': dict(  # stage 2: the predicted hub mixture
        cfg=dict(type='MetaPriorLearning', in_channels=4, num_tokens=2),
        input=lambda: (torch.randn(2, 4, 4, 4, requires_grad=True),
                       BatchContext(inputs=torch.rand(2, 3, 8, 8), task_idx=None, stage=2)),
        output=(2, 4, 4, 4)),
    'InfoAccum': dict(
        cfg=dict(type='InfoAccum', in_channels=3, num_layers=2, growth=2),
        input=(2, 3, 8, 8), output=(2, 3 + 3 * 2 * 2, 8, 8)),
    'SubPixUpsamp': dict(
        cfg=dict(type='SubPixUpsamp', in_channels=4, out_channels=3, scale=2),
        input=(2, 4, 4, 4), output=(2, 3, 8, 8)),
    'ChannelAttention': dict(
        cfg=dict(type='ChannelAttention', in_channels=4, reduction=2),
        input=(2, 4, 5, 5), output=(2, 4, 5, 5)),
    'GDN': dict(cfg=dict(type='GDN', channels=4), input=(2, 4, 5, 5), output=(2, 4, 5, 5)),
    'FDFABlock': dict(
        cfg=dict(type='FDFABlock', in_channels=4, num_fd_layers=2, ca_reduction=2),
        input=(2, 4, 6, 6), output=(2, 4, 6, 6)),
    # DL-Net (backbones split at z, h, the likelihood head reading the batch)
    'ContextEncoderAE': dict(
        cfg=dict(type='ContextEncoderAE', channels=(4, 4, 4, 4), image_size=32),
        input=(2, 3, 32, 32), output=(2, 3, 32, 32)),
    'SFTContextEncoderAE': dict(
        cfg=dict(type='SFTContextEncoderAE', channels=(4, 4, 4, 4), image_size=32,
                 cond_channels=4, cond_mid_channels=4),
        input=lambda: (torch.randn(2, 3, 32, 32, requires_grad=True),
                       [RestorationDataSample(metainfo=dict(degradation_params=dict(
                           name='BernoulliMask', drop=0.5, seed=i))) for i in range(2)]),
        output=(2, 3, 32, 32)),
    'VDSR': dict(cfg=dict(type='VDSR', mid_channels=4, num_layers=3, out_kernel_size=3),
                 input=(2, 1, 6, 6), output=(2, 1, 12, 12)),
    'DRRN': dict(cfg=dict(type='DRRN', mid_channels=4, num_units=3, fuse_channels=4,
                          out_kernel_size=3), input=(2, 1, 6, 6), output=(2, 1, 12, 12)),
    'IDN': dict(cfg=dict(type='IDN', mid_channels=8, distill_channels=2, num_blocks=1, groups=2,
                         out_kernel_size=3), input=(2, 1, 6, 6), output=(2, 1, 12, 12)),
    'ImageOutputLayer': dict(cfg=dict(type='ImageOutputLayer', in_channels=4),
                             input=(2, 4, 4, 4), output=(2, 3, 8, 8)),
    'BackboneTrunk': dict(
        cfg=dict(type='BackboneTrunk', stop_at='decoders.0',
                 backbone=dict(type='UNetGenerator', depth=2, base_channels=4)),
        input=(2, 3, 8, 8), output=(2, 8, 4, 4)),
    'LikelihoodLoss': dict(  # reads the degraded input and each sample's recorded mask
        cfg=dict(type='LikelihoodLoss', loss_weight=10.0), kind='module',
        input=lambda: (torch.randn(2, 3, 6, 6, requires_grad=True), torch.randn(2, 3, 6, 6),
                       [RestorationDataSample(metainfo=dict(degradation_params=dict(
                           name='BoxMask', side=2, shift=[0, 0])))] * 2),
        output=()),
    'LikelihoodHead': dict(
        cfg=dict(type='LikelihoodHead', output_layer=dict(in_channels=4), num_steps=3),
        input=lambda: (torch.randn(2, 4, 4, 4, requires_grad=True), torch.randn(2, 3, 8, 8),
                       [RestorationDataSample(metainfo=dict(degradation_params=dict(
                           name='BernoulliMask', drop=0.5, seed=i))) for i in range(2)]),
        output=(2, 3, 8, 8)),
    # conditional PixelCNN++ degradation model, latent restoration (Han et al. 2024)
    'ConditionalPixelCNN': dict(
        cfg=dict(type='ConditionalPixelCNN', channels=4, num_blocks=1, num_mix=2, dropout=0.0),
        input=lambda: ((torch.rand(2, 3, 5, 6) * 2 - 1).requires_grad_(),
                       torch.rand(2, 3, 5, 6) * 2 - 1), output=(2, 20, 5, 6)),
    'StyleGAN2Generator': dict(
        cfg=dict(type='StyleGAN2Generator', resolution=8, z_dim=4, w_dim=4, mapping_layers=1,
                 channel_base=32, channel_max=4), input=(2, 4), output=(2, 3, 8, 8)),
    'DiscretizedLogisticMixtureLoss': dict(  # mixture parameters and an 8-bit image
        cfg=dict(type='DiscretizedLogisticMixtureLoss'),
        input=lambda: (torch.randn(2, 20, 3, 3, requires_grad=True),
                       torch.randint(0, 256, (2, 3, 3, 3)) / 127.5 - 1), output=()),
    'MMDLoss': dict(cfg=dict(type='MMDLoss', gamma=4.0), input=(5, 4), output=()),
    'DegradationLikelihoodLoss': dict(  # (pred, lq); the density model is frozen
        cfg=dict(type='DegradationLikelihoodLoss',
                 model=dict(type='ConditionalPixelCNN', channels=4, num_blocks=1, num_mix=2)),
        input=(2, 3, 4, 4), output=()),
    'DegradationDensityModel': dict(
        cfg=dict(type='DegradationDensityModel',
                 density=dict(type='ConditionalPixelCNN', channels=4, num_blocks=1, num_mix=2)),
        input=(2, 3, 6, 6), output={'loss_nll', 'bits_per_dim'}),
    'LatentRestorer': dict(  # 'loss': the objective at the mean latent (generator frozen)
        cfg=dict(type='LatentRestorer', num_prior_samples=8, num_mean_samples=16,
                 generator=dict(type='StyleGAN2Generator', resolution=8, z_dim=4, w_dim=4,
                                mapping_layers=1, channel_base=32, channel_max=4),
                 data_loss=dict(type='MSELoss'), mmd_loss=dict(type='MMDLoss', gamma=4.0)),
        input=(2, 3, 8, 8), output={'loss_data', 'loss_mmd', 'loss_cross'}),
    # discriminators
    'PatchDiscriminator': dict(
        cfg=dict(type='PatchDiscriminator', in_channels=6, base_channels=4, num_layers=2),
        input=(2, 6, 32, 32), output=(2, 1, 6, 6)),
    # losses
    'L1Loss': dict(cfg=dict(type='L1Loss'), input=(2, 3, 4, 4), output=()),
    'MSELoss': dict(cfg=dict(type='MSELoss'), input=(2, 3, 4, 4), output=()),
    'CharbonnierLoss': dict(cfg=dict(type='CharbonnierLoss'), input=(2, 3, 4, 4), output=()),
    'SVDOLoss': dict(  # reads the restorer's feature taps, not (pred, gt)
        cfg=dict(type='SVDOLoss', tap='fd'), kind='module',
        input=lambda: (dict(fd=[torch.randn(2, 4, 3, 3, requires_grad=True)]),), output=()),
    'SDAMLoss': dict(  # taps, lq, gt
        cfg=dict(type='SDAMLoss'), kind='module',
        input=lambda: (dict(sdam=[torch.randn(2, 3, 4, 4, requires_grad=True)]),
                       torch.rand(2, 3, 8, 8), torch.rand(2, 3, 8, 8)), output=()),
    'DegradationTypeLoss': dict(  # taps, data_samples with task_idx
        cfg=dict(type='DegradationTypeLoss'), kind='module',
        input=lambda: (dict(degradation=[torch.randn(2, 5, requires_grad=True)]),
                       [RestorationDataSample(metainfo=dict(task_idx=t)) for t in (0, 3)]),
        output=()),
    'ReleasedSAMLoss': dict(  # taps (SAM images per level), gt
        cfg=dict(type='ReleasedSAMLoss'), kind='module',
        input=lambda: (dict(sam=[torch.rand(2, 3, 8, 8, requires_grad=True),
                                 torch.rand(2, 3, 4, 4, requires_grad=True)]),
                       torch.rand(2, 3, 8, 8)), output=()),
    'LevelTypeCELoss': dict(  # taps (class probabilities per level), data_samples with task_idx
        cfg=dict(type='LevelTypeCELoss'), kind='module',
        input=lambda: (dict(type_probs=[
            torch.softmax(torch.randn(2, 5, 1, 1), 1).requires_grad_()]),
                       [RestorationDataSample(metainfo=dict(task_idx=t)) for t in (0, 3)]),
        output=()),
    'GANLoss': dict(
        cfg=dict(type='GANLoss', gan_type='lsgan'),
        input=lambda: (torch.randn(2, 1, 3, 3, requires_grad=True), True), output=()),
    # data preprocessors
    'RestorationDataPreprocessor': dict(
        cfg=dict(type='RestorationDataPreprocessor', mean=0.5, std=0.5, pad_size_divisor=4),
        input=lambda: (dict(inputs=[torch.rand(3, 6, 7, requires_grad=True)] * 2),),
        select=lambda out: out['inputs'], output=(2, 3, 8, 8)),
    # restorers
    'Restorer': dict(
        cfg=dict(type='Restorer', backbone=dict(type='ResidualCNN', mid_channels=4, num_blocks=1),
                 losses=dict(l1=dict(type='L1Loss'), mse=dict(type='MSELoss'))),
        input=(2, 3, 8, 8), output={'loss_l1', 'loss_mse'}),
    'AllInOneRestorer': dict(  # no task labels: the MPL uses its predicted mixture
        cfg=dict(type='AllInOneRestorer',
                 backbone=dict(type='Restormer', dim=4, num_blocks=(1, 1, 1, 1),
                               heads=(1, 1, 1, 1), num_refinement_blocks=1,
                               plugins=[dict(cfg=dict(type='MetaPriorLearning', num_tokens=2),
                                             position='after_enc1')]),
                 losses=dict(l1=dict(type='L1Loss'), sdam=dict(type='SDAMLoss')),
                 feature_taps=dict(sdam='**.sdam_image')),
        input=(2, 3, 8, 8), output={'loss_l1', 'loss_sdam'}),
    'GANRestorer': dict(
        cfg=dict(type='GANRestorer',
                 backbone=dict(type='UNetGenerator', depth=2, base_channels=4),
                 discriminator=dict(type='PatchDiscriminator', base_channels=4, num_layers=1)),
        input=(2, 3, 16, 16),
        output={'loss_d_real', 'loss_d_fake', 'loss_g_gan', 'loss_pixel'}),
    'UnconditionalGAN': dict(  # the input batch is the real images; G gets z ~ N(0, I)
        cfg=dict(type='UnconditionalGAN',
                 generator=dict(type='StyleGAN2Generator', resolution=8, z_dim=4, w_dim=4,
                                mapping_layers=1, channel_base=32, channel_max=4),
                 discriminator=dict(type='PatchDiscriminator', in_channels=3, base_channels=4,
                                    num_layers=1)),
        input=(2, 3, 8, 8), output={'loss_d_real', 'loss_d_fake', 'loss_g_gan'}),
}


def registered_parts() -> list:
    """Names in MODELS whose class is defined inside the irtoolbox package."""
    return sorted(name for name, cls in MODELS.module_dict.items()
                  if getattr(cls, '__module__', '').split('.')[0] == 'irtoolbox')


def kind_of(name: str, cls: type, row: dict) -> str:
    if 'kind' in row:
        return row['kind']
    if issubclass(cls, BaseModel):
        return 'restorer'
    if issubclass(cls, BaseDataPreprocessor):
        return 'preprocessor'
    if name.endswith('Loss'):
        return 'loss'
    return 'module'


def row_of(name: str) -> dict:
    if name not in PART_CONFIGS:
        pytest.fail(f'{name} is registered in MODELS but has no row in PART_CONFIGS of '
                    f'tests/test_models/test_all_parts.py: add one (a tiny cfg, an input '
                    f'shape and the expected output shape; see the module docstring)')
    return PART_CONFIGS[name]


def random_args(shape_or_fn, loss=None) -> tuple:
    """The forward's positional arguments: one random tensor of a shape, the
    entries a loss's ``loss_inputs`` names, or whatever a callable returns."""
    if callable(shape_or_fn):
        return tuple(shape_or_fn())
    if loss is None:
        return (torch.randn(*shape_or_fn, requires_grad=True),)
    context = dict(pred=torch.randn(*shape_or_fn, requires_grad=True),
                   gt=torch.randn(*shape_or_fn), lq=torch.randn(*shape_or_fn),
                   data_samples=[RestorationDataSample() for _ in range(shape_or_fn[0])],
                   taps={})
    names = getattr(loss, 'loss_inputs', ('pred', 'gt'))
    return tuple(context[key] for key in names)


def restorer_loss(model: BaseModel, shape: tuple) -> dict:
    n, c, h, w = shape
    data = dict(inputs=[torch.rand(c, h, w) for _ in range(n)],
                data_samples=[RestorationDataSample(gt_img=torch.rand(c, h, w))
                              for _ in range(n)])
    data = model.data_preprocessor(data, True)
    return model(data['inputs'], data['data_samples'], mode='loss')


def check_gradients(part: torch.nn.Module, unused=()) -> None:
    missing, bad = [], []
    for qualname, param in part.named_parameters():
        if not param.requires_grad or any(fnmatch.fnmatch(qualname, p) for p in unused):
            continue
        if param.grad is None:
            missing.append(qualname)
        elif not torch.isfinite(param.grad).all():
            bad.append(qualname)
    assert not missing, f'no gradient reached {missing[:8]}'
    assert not bad, f'non-finite gradients in {bad[:8]}'


@pytest.mark.parametrize('name', registered_parts())
def test_part_builds_runs_forward_and_backward(name):
    row = row_of(name)
    torch.manual_seed(0)
    part = MODELS.build(row['cfg'])
    if hasattr(part, 'init_weights'):
        part.init_weights()  # what the Runner does; parts initialise here, not in __init__
    part.train()
    kind = kind_of(name, type(part), row)
    if kind == 'restorer':
        losses = restorer_loss(part, row['input'])
        assert set(losses) == set(row['output'])
        total = sum(value.sum() for value in losses.values())
        assert torch.isfinite(total)
        total.backward()
        check_gradients(part, row.get('unused', ()))
        return
    args = random_args(row['input'], loss=part if kind == 'loss' else None)
    out = part(*args)
    out = row['select'](out) if 'select' in row else out
    assert tuple(out.shape) == tuple(row['output']), f'{name}: output {tuple(out.shape)}'
    assert torch.isfinite(out).all()
    out.float().sum().backward()
    check_gradients(part, row.get('unused', ()))
    for arg in args:  # what flows back to the inputs is finite too
        if isinstance(arg, torch.Tensor) and arg.requires_grad:
            assert arg.grad is not None and torch.isfinite(arg.grad).all()
    if kind == 'loss':
        assert args[0].grad.abs().sum() > 0, f'{name}: no gradient reaches the prediction'


def test_every_row_names_a_registered_part():
    stale = sorted(set(PART_CONFIGS) - set(registered_parts()))
    assert not stale, f'PART_CONFIGS rows for parts that are not registered: {stale}'


# --------------------------------------------------------------------------
# House style (docs/contributing.md), checked on the class of every part.
# --------------------------------------------------------------------------
@pytest.mark.parametrize('name', registered_parts())
def test_part_follows_house_style(name):
    problems = house_style_problems(MODELS.get(name))
    assert not problems, '\n'.join(problems)
