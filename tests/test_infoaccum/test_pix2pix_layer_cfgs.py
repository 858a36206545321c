"""Norm and activation configs of the pix2pix parts (U-Net, En/Decoder, PatchGAN),
built with mmcv's builders directly (contributing.md rule 2, no private factory).

- a config mmcv cannot build is one ``ValueError`` naming the part, the argument
  and the config (mmcv's own message for an unknown norm names none of them),
  then mmcv's message (whose error type depends on the registry scope active);
- ``None`` is no layer, and the ``nn.Identity`` holding its place keeps the
  state-dict keys of pix2pix's ``NLayerDiscriminator`` (written out by hand);
- GroupNorm builds (the former factory probed every norm with one channel,
  which GroupNorm with two groups refuses) and, not being a batch norm, leaves
  the convolutions their bias.
"""
import pytest
import torch.nn as nn

from irtoolbox.models.backbones.en_decoder import EnDecoder
from irtoolbox.models.backbones.unet import UNetGenerator
from irtoolbox.models.discriminators.patchgan import PatchDiscriminator


@pytest.mark.parametrize('cls, kwargs, message', [
    (UNetGenerator, dict(norm_cfg=dict(type='Group')),
     r"UNetGenerator: cannot build norm_cfg=\{'type': 'Group'\} with mmcv: "),
    (UNetGenerator, dict(up_act_cfg=dict(type='Relu')),
     r"UNetGenerator: cannot build up_act_cfg=\{'type': 'Relu'\} with mmcv: "),
    (EnDecoder, dict(down_act_cfg=dict(type='LeakyReLU', slope=0.2)),
     r"EnDecoder: cannot build down_act_cfg=\{'type': 'LeakyReLU', 'slope': 0.2\} with "
     r'mmcv: '),
    (PatchDiscriminator, dict(norm_cfg=dict(type='GN')),
     r"PatchDiscriminator: cannot build norm_cfg=\{'type': 'GN'\} with mmcv"),
    (PatchDiscriminator, dict(act_cfg=dict(type='Relu')),
     r"PatchDiscriminator: cannot build act_cfg=\{'type': 'Relu'\}"),
])
def test_a_config_mmcv_cannot_build_names_part_argument_and_config(cls, kwargs,
                                                                   message) -> None:
    with pytest.raises(ValueError, match=message):
        cls(base_channels=4, **kwargs)


def test_none_is_no_layer_and_keeps_the_pix2pix_keys() -> None:
    net = PatchDiscriminator(base_channels=2, norm_cfg=None, act_cfg=None)
    kinds = {type(m) for m in net.model}
    assert kinds == {nn.Conv2d, nn.Identity}
    # NLayerDiscriminator (n_layers=3): conv, act | conv, norm, act (x3) | conv
    convs = (0, 2, 5, 8, 11)
    assert list(net.state_dict()) == [f'model.{i}.{p}' for i in convs for p in ('weight', 'bias')]
    unet = UNetGenerator(depth=3, base_channels=2, norm_cfg=None, down_act_cfg=None,
                         up_act_cfg=None)
    inner = {type(m) for part in (unet.encoders, unet.decoders) for m in part.modules()
             if not list(m.children())}
    assert inner == {nn.Conv2d, nn.ConvTranspose2d, nn.Identity, nn.Tanh}
    assert all(m.bias is not None for m in unet.modules()
               if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)))


@pytest.mark.parametrize('cls', [UNetGenerator, EnDecoder, PatchDiscriminator])
def test_group_norm_builds_and_keeps_the_conv_bias(cls) -> None:
    net = cls(base_channels=4, norm_cfg=dict(type='GN', num_groups=2),
              **({} if cls is PatchDiscriminator else dict(depth=3)))
    norms = [m for m in net.modules() if isinstance(m, nn.GroupNorm)]
    assert norms and all(m.num_groups == 2 for m in norms)
    assert all(m.bias is not None for m in net.modules()
               if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)))
