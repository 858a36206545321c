"""UNetGenerator (pix2pix U-Net, InfoAccum paper Sections V-VI, Appendix H.A)."""
import pytest
import torch
import torch.nn as nn

from irtoolbox.models.backbones.unet import UNetGenerator
from irtoolbox.registry import MODELS


def _bottleneck_shape(net: UNetGenerator, x: torch.Tensor) -> torch.Size:
    """Shape of the innermost encoder output, caught with a forward hook."""
    seen = {}
    handle = net.encoders[-1].register_forward_hook(
        lambda mod, inp, out: seen.update(shape=out.shape))
    with torch.no_grad():
        out = net(x)
    handle.remove()
    assert out.shape == x.shape
    return seen['shape']


def _count(net: nn.Module, kind: type) -> int:
    return sum(isinstance(m, kind) for m in net.modules())


def test_unet5_keeps_size_8x8_bottleneck_no_dropout():
    net = UNetGenerator(depth=5, base_channels=8, use_dropout=True).eval()
    # 256 / 2**5 = 8; innermost level has 8 * ngf channels.
    assert _bottleneck_shape(net, torch.rand(1, 3, 256, 256)) == (1, 64, 8, 8)
    assert _count(net, nn.Dropout) == 0  # UNet-5 has no 8*ngf middle blocks
    assert net.size_divisor == 32


def test_unet8_1x1_bottleneck_and_middle_dropout():
    net = UNetGenerator(depth=8, base_channels=4, use_dropout=True).eval()
    assert _bottleneck_shape(net, torch.rand(1, 3, 256, 256)) == (1, 32, 1, 1)
    # pix2pix: num_downs - 5 = 3 middle blocks carry Dropout(0.5).
    assert _count(net, nn.Dropout) == 3
    assert _count(UNetGenerator(depth=8, base_channels=4), nn.Dropout) == 0


def _pix2pix_unet_params(depth: int, ngf: int, in_ch: int = 3, out_ch: int = 3) -> int:
    """Parameter count from the pix2pix block description (BatchNorm, no conv bias
    except the outermost ConvT): written out level by level, independently of the code."""
    ch = [in_ch] + [ngf * min(2 ** k, 8) for k in range(depth)]
    total = 0
    for k in range(1, depth + 1):
        total += ch[k - 1] * ch[k] * 16                       # down conv, no bias
        if 1 < k < depth:
            total += 2 * ch[k]                                # down BatchNorm
        up_in = ch[k] if k == depth else 2 * ch[k]
        if k == 1:
            total += up_in * out_ch * 16 + out_ch             # outermost ConvT with bias
        else:
            total += up_in * ch[k - 1] * 16 + 2 * ch[k - 1]   # ConvT + BatchNorm
    return total


def test_unet8_parameter_count_matches_pix2pix():
    net = UNetGenerator(depth=8, base_channels=64)
    n = sum(p.numel() for p in net.parameters())
    assert n == _pix2pix_unet_params(8, 64)
    assert round(n / 1e6, 3) == 54.414  # pix2pix's log: "[Network G] ... 54.414 M"


def test_subpixel_replaces_outermost_deconv():
    net = UNetGenerator(depth=5, base_channels=8, upsample='subpixel')
    outer = net.decoders[0]
    assert _count(outer, nn.PixelShuffle) == 1 and _count(outer, nn.ConvTranspose2d) == 0
    assert _count(net, nn.ConvTranspose2d) == 4  # the inner levels keep pix2pix's ConvT
    assert net(torch.rand(2, 3, 64, 64)).shape == (2, 3, 64, 64)


def test_infoaccum_at_encoder_level_2_is_a_config_change():
    k, layers, ngf = 2, 3, 8
    cfg = dict(type='UNetGenerator', depth=5, base_channels=ngf, plugins=[
        dict(cfg=dict(type='InfoAccum', num_layers=layers, growth=k), position='before_enc2')])
    net = MODELS.build(cfg)
    assert 'input' not in net.plugins  # no plugin before level 1
    # level 2 now reads ngf + 3kL channels, and the skip to decoder level 1 carries them
    assert net.encoders[1][1].in_channels == ngf + 3 * k * layers
    assert net.decoders[0][1].in_channels == ngf + 3 * k * layers + ngf
    seen = {}
    net.plugins['before_enc2'].register_forward_hook(lambda m, i, o: seen.update(inp=i[0].shape))
    assert net(torch.rand(1, 3, 64, 64)).shape == (1, 3, 64, 64)
    assert seen['inp'] == (1, ngf, 32, 32)  # the plugin sees encoder level 1's output


def test_input_position_and_bad_inputs():
    net = UNetGenerator(depth=3, base_channels=4, plugins=[
        dict(cfg=dict(type='InfoAccum', num_layers=1, growth=1), position='input')])
    assert net.encoders[0][0].in_channels == 3 + 3
    with pytest.raises(ValueError, match="valid positions"):
        UNetGenerator(depth=3, plugins=[dict(cfg=dict(type='InfoAccum'), position='enc4')])
    with pytest.raises(ValueError, match='multiples of 8'):
        net(torch.rand(1, 3, 20, 24))
    with pytest.raises(ValueError, match="UNetGenerator: cannot build norm_cfg=.*'Group'"):
        UNetGenerator(norm_cfg=dict(type='Group'))
