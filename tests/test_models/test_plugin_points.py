"""Issue 17, part 2: one plugin mechanism, one naming scheme, one table.

- ``docs/plugins.md``'s table equals every backbone's ``plugin_points``
  declaration, row by row, and every registered part that takes ``plugins=``
  declares its points;
- a probe plugin at every point of each backbone sees the channels and the
  spatial size the table says (values written by hand from the papers'
  layouts), in forward order; the output of Restormer, the U-Net and the
  En/Decoder with a plugin at a point equals their layouts written out by
  hand with those features changed;
- an old name (``enc2``, ``dec3``) is refused with the new name for that
  backbone; an unknown point lists the valid ones; a channel change where the
  point forbids it is refused;
- state-dict keys keep the pre-issue-17 layout (U-Net ``plugins.<K-1>``,
  Restormer ``plugins.enc1``), and an FDR-Net checkpoint of the old layout
  (``plugins.*``) loads into the new one (``plugins.input.*``);
- the example backbone of ``docs/plugins.md`` runs: it is sized by the
  plugins' channels and every ``init_cfg`` (its own, each plugin's) applies.
"""
import inspect
import os.path as osp
import re
from typing import List, Optional

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from conftest import REPO_ROOT
from mmengine.model import BaseModule
from mmengine.runner.checkpoint import load_state_dict as runner_load_state_dict

import irtoolbox.models  # noqa: F401  (registers every part)
from irtoolbox.models.plugins.plugin_stack import PluginPoint
from irtoolbox.registry import MODELS
from irtoolbox.testing import house_style_problems

DOC = osp.join(REPO_ROOT, 'docs', 'plugins.md')
SEEN: List[tuple] = []  # (tag, input shape) of every probe call, in call order


class _Probe(BaseModule):
    """Identity that records what reaches it.

    Args:
        in_channels: channels at its point. Required.
        tag: its name in ``SEEN``. Required.
        grow: zero channels appended (a channel change). Default: 0.
        scale: multiplies the features. Default: 1.0.
        shift: then added to them (not positively homogeneous, unlike a scale,
            which bias-free conv/ReLU/BN stacks pass on unchanged). Default: 0.0.
        init_cfg: unused. Default: None.
    """

    def __init__(self, in_channels: int, tag: str, grow: int = 0, scale: float = 1.0,
                 shift: float = 0.0, init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.tag, self.grow, self.scale, self.shift = tag, grow, scale, shift
        self.out_channels = in_channels + grow

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: N x C x H x W. Returns: ``x * scale + shift``, ``grow`` zero channels appended."""
        SEEN.append((self.tag, tuple(x.shape[1:])))
        return torch.cat([x * self.scale + self.shift,
                          x.new_zeros(x.shape[0], self.grow, *x.shape[2:])], 1)


@pytest.fixture(autouse=True)
def probe_registered():
    MODELS.register_module(name='_PointProbe', module=_Probe, force=True)
    SEEN.clear()
    yield
    MODELS.module_dict.pop('_PointProbe', None)


def _render(owner: str, point: PluginPoint) -> str:
    levels = '—' if point.levels is None else 'K = {} .. {}'.format(
        *(point.levels[::-1] if point.descending else point.levels))
    key = (point.key or point.name).replace('{K0}', '{K-1}')
    change = 'allowed' if point.channel_change else 'refused'
    return (f'| `{owner}` | `{point.name}` | {levels} | {point.where} | `{point.channels}` | '
            f'{change} | `plugins.{key}` |')


def _takes_plugins(cls: type) -> bool:
    try:
        return 'plugins' in inspect.signature(cls.__init__).parameters
    except (TypeError, ValueError):
        return False


def test_table_equals_declarations_of_every_backbone_with_plugins() -> None:
    declared = []
    for name, cls in sorted(MODELS.module_dict.items()):
        points = getattr(cls, 'plugin_points', None)
        if _takes_plugins(cls):
            assert points, f'{name} takes plugins= but declares no plugin_points'
        declared += [_render(name, point) for point in points or ()]
    doc = open(DOC, encoding='utf-8').read()
    header = doc.index('| backbone | point | levels |')
    rows = re.findall(r'^\| `\w+` \|.*\|$', doc[header:], re.M)
    assert rows == declared


TINY_RESTORMER = dict(type='Restormer', dim=4, num_blocks=(1, 1, 1, 1),
                      num_refinement_blocks=1, heads=(1, 1, 1, 1))
# (backbone, input side, {point: (C, H) the features there}, by hand: U-Net /
# En/Decoder encoder level k outputs base * min(2^(k-1), 8) at H / 2^k (level N:
# the latent), decoder level k base * min(2^(k-2), 8) at H / 2^(k-1); Restormer's
# level k is dim * 2^(k-1) at H / 2^(k-1), decoder level 1 and refinement 2 dim)
LAYOUTS = [
    (dict(type='UNetGenerator', depth=4, base_channels=4), 32,
     dict(input=(3, 32), before_enc2=(4, 16), before_enc3=(8, 8), before_enc4=(16, 4),
          latent=(32, 2), after_dec4=(16, 4), after_dec3=(8, 8), after_dec2=(4, 16))),
    (dict(type='EnDecoder', depth=3, base_channels=4), 16,
     dict(input=(3, 16), before_enc2=(4, 8), before_enc3=(8, 4), latent=(16, 2),
          after_dec3=(8, 4), after_dec2=(4, 8))),
    (dict(type='EnDecoder', depth=1, base_channels=4), 8, dict(input=(3, 8), latent=(4, 4))),
    (dict(type='FDRNet', mid_channels=16, num_phases=1), 8, dict(input=(3, 8))),
    (TINY_RESTORMER, 16,
     dict(after_enc1=(4, 16), after_enc2=(8, 8), after_enc3=(16, 4), latent=(32, 2),
          after_dec3=(16, 4), after_dec2=(8, 8), after_dec1=(8, 16), refinement=(8, 16))),
]


@pytest.mark.parametrize('backbone, side, layout', LAYOUTS,
                         ids=[b['type'] for b, _, _ in LAYOUTS])
def test_every_point_sees_the_features_the_table_names(backbone, side, layout) -> None:
    plugins = [dict(cfg=dict(type='_PointProbe', tag=point), position=point) for point in layout]
    model = MODELS.build(dict(backbone, plugins=plugins)).eval()
    with torch.no_grad():
        model(torch.randn(1, 3, side, side))
    assert SEEN == [(point, (c, h, h)) for point, (c, h) in layout.items()]


@pytest.mark.parametrize('backbone, side', [
    (dict(type='UNetGenerator', depth=3, base_channels=4), 16),
    (dict(type='EnDecoder', depth=3, base_channels=4), 16),
    (dict(type='FDRNet', mid_channels=16, num_phases=1), 8),
])
def test_points_that_allow_a_channel_change_size_what_follows(backbone, side) -> None:
    model = MODELS.build(dict(backbone, plugins=[
        dict(cfg=dict(type='_PointProbe', tag=p, grow=2), position=p)
        for p in model_points(backbone)])).eval()
    x = torch.randn(1, 3, side, side)
    with torch.no_grad():
        assert model(x).shape == x.shape


def model_points(backbone: dict) -> List[str]:
    return MODELS.build(backbone).plugins.point_names


@pytest.mark.parametrize('backbone, old, new', [
    (dict(type='UNetGenerator', depth=3, base_channels=4), 'enc1', 'input'),
    (dict(type='UNetGenerator', depth=3, base_channels=4), 'enc3', 'before_enc3'),
    (dict(type='EnDecoder', depth=3, base_channels=4), 'enc2', 'before_enc2'),
    (TINY_RESTORMER, 'enc2', 'after_enc2'),
    (TINY_RESTORMER, 'dec3', 'after_dec3'),
])
def test_old_names_are_refused_with_the_new_one(backbone, old, new) -> None:
    plugin = dict(cfg=dict(type='_PointProbe', tag='x'), position=old)
    with pytest.raises(ValueError, match=rf"position {old!r}.*renamed.*position='{new}'"):
        MODELS.build(dict(backbone, plugins=[plugin]))


def test_unknown_point_lists_the_valid_ones() -> None:
    plugin = dict(cfg=dict(type='_PointProbe', tag='x'), position='before_enc4')
    with pytest.raises(ValueError) as error:
        MODELS.build(dict(type='UNetGenerator', depth=3, base_channels=4, plugins=[plugin]))
    assert ("valid positions are ['input', 'before_enc2', 'before_enc3', 'latent', "
            "'after_dec3', 'after_dec2']") in str(error.value)
    with pytest.raises(ValueError, match=r"position 'enc1'; valid positions are \['input'\]"):
        MODELS.build(dict(type='FDRNet', mid_channels=16, num_phases=1,
                          plugins=[dict(plugin, position='enc1')]))


def test_channel_change_where_refused() -> None:
    plugin = dict(cfg=dict(type='_PointProbe', tag='x', grow=1), position='latent')
    with pytest.raises(ValueError, match=r"'latent' output 33 channels; this point does not "
                                         r'allow a channel change, they must keep its 32'):
        MODELS.build(dict(TINY_RESTORMER, plugins=[plugin]))


def _state_keys(backbone: dict, point: str, count: int) -> List[str]:
    cfg = dict(type='SDAM') if backbone['type'] == 'Restormer' else dict(
        type='InfoAccum', num_layers=1, growth=1)
    model = MODELS.build(dict(backbone, plugins=[dict(cfg=cfg, position=point)] * count))
    return sorted({'.'.join(k.split('.')[:3]) for k in model.state_dict()
                   if k.startswith('plugins.')})


def test_state_dict_keys_keep_the_old_layout() -> None:
    unet = dict(type='UNetGenerator', depth=3, base_channels=4)
    assert _state_keys(unet, 'before_enc3', 1)[0].startswith('plugins.2.')
    assert _state_keys(unet, 'input', 2)[:2] == ['plugins.0.0', 'plugins.0.1']
    # points added after issue 17 are keyed by their name
    assert _state_keys(unet, 'after_dec3', 1)[0].startswith('plugins.after_dec3.')
    assert _state_keys(dict(unet, type='EnDecoder'), 'latent', 1)[0].startswith(
        'plugins.latent.')
    assert {k.split('.')[1] for k in _state_keys(TINY_RESTORMER, 'after_dec2', 1)} == {'dec2'}
    model = MODELS.build(dict(TINY_RESTORMER, plugins=[
        dict(cfg=dict(type='_PointProbe', tag='x'), position='after_enc1')]))
    assert model.plugins['after_enc1'] is model.plugins['enc1']  # by name or by key
    assert 'after_enc1' in model.plugins and 'latent' not in model.plugins


def test_fdrnet_checkpoint_of_the_old_layout_loads() -> None:
    cfg = dict(type='FDRNet', mid_channels=16, num_phases=1, plugins=[
        dict(cfg=dict(type='InfoAccum', num_layers=1, growth=1), position='input')])
    old = MODELS.build(cfg)
    new = MODELS.build(cfg)
    state = {(k.replace('plugins.input.', 'plugins.', 1)): v + 1.0
             for k, v in old.state_dict().items()}  # before issue 17: plugins.<param>
    assert any(k.startswith('plugins.') and not k.startswith('plugins.input.') for k in state)
    new.load_state_dict(state, strict=True)
    runner_load_state_dict(MODELS.build(cfg), state, strict=True)  # what load_from uses
    for key, value in new.state_dict().items():
        old_key = key.replace('plugins.input.', 'plugins.', 1)
        assert torch.equal(value, state[old_key]), key
    assert isinstance(new.plugins['input'], nn.Module)


def _restormer_by_hand(model, x, scaled: str) -> torch.Tensor:
    """Restormer's U-shape (Fig. 2) written out, the features at point ``scaled`` doubled."""
    def at(point, feat):
        return feat * 2.0 if point == scaled else feat
    feat, skips = model.patch_embed(x), []
    for k in range(3):
        feat = at(f'after_enc{k + 1}', model.encoders[k](feat))
        skips.append(feat)  # the skip is the plugged output
        feat = model.downs[k](feat)
    feat = at('latent', model.latent(feat))
    for k in (2, 1, 0):
        feat = torch.cat([model.ups[k](feat), skips[k]], dim=1)
        feat = at(f'after_dec{k + 1}', model.decoders[k](model.reduce_chan[k](feat)))
    return model.output(at('refinement', model.refinement(feat))) + x


@pytest.mark.parametrize('point', ['after_enc1', 'after_enc3', 'latent', 'after_dec2',
                                   'refinement'])
def test_restormer_points_are_where_the_table_says(point) -> None:
    torch.manual_seed(0)
    model = MODELS.build(dict(TINY_RESTORMER, plugins=[
        dict(cfg=dict(type='_PointProbe', tag=point, scale=2.0), position=point)])).eval()
    x = torch.randn(1, 3, 16, 16)
    with torch.no_grad():
        torch.testing.assert_close(model(x), _restormer_by_hand(model, x, point),
                                   rtol=0, atol=1e-6)


def _unet3_by_hand(model, x, shifted: str) -> torch.Tensor:
    """pix2pix's UNet-3 written out (skips a_k = input of encoder level k, decoder
    level k reads cat(a_{k+1}, d_{k+1})), 0.5 added to the features at ``shifted``."""
    def at(point, feat):
        return feat + 0.5 if point == shifted else feat
    enc, dec = model.encoders, model.decoders
    a1 = at('input', x)
    a2 = at('before_enc2', enc[0](a1))
    a3 = at('before_enc3', enc[1](a2))
    latent = at('latent', enc[2](a3))
    d3 = at('after_dec3', dec[2](latent))  # the innermost decoder reads the latent alone
    d2 = at('after_dec2', dec[1](torch.cat([a3, d3], 1)))
    return dec[0](torch.cat([a2, d2], 1))


def _endecoder3_by_hand(model, x, shifted: str) -> torch.Tensor:
    """The skip-free En/Decoder-3 written out, 0.5 added at ``shifted``."""
    def at(point, feat):
        return feat + 0.5 if point == shifted else feat
    enc, dec = model.encoders, model.decoders
    feat = enc[0](at('input', x))
    feat = enc[1](at('before_enc2', feat))
    feat = at('latent', enc[2](at('before_enc3', feat)))
    feat = at('after_dec2', dec[1](at('after_dec3', dec[2](feat))))
    return dec[0](feat)


@pytest.mark.parametrize('backbone, by_hand', [
    (dict(type='UNetGenerator', depth=3, base_channels=4), _unet3_by_hand),
    (dict(type='EnDecoder', depth=3, base_channels=4), _endecoder3_by_hand),
], ids=['UNetGenerator', 'EnDecoder'])
@pytest.mark.parametrize('point', ['input', 'before_enc3', 'latent', 'after_dec3', 'after_dec2'])
def test_pix2pix_points_are_where_the_table_says(backbone, by_hand, point) -> None:
    torch.manual_seed(0)
    model = MODELS.build(dict(backbone, plugins=[
        dict(cfg=dict(type='_PointProbe', tag=point, shift=0.5), position=point)])).eval()
    x = torch.randn(1, 3, 16, 16)
    with torch.no_grad():
        out = model(x)
        torch.testing.assert_close(out, by_hand(model, x, point), rtol=0, atol=1e-6)
        # the shift changes the output (else the test could not tell points apart)
        assert (out - by_hand(model, x, 'nowhere')).abs().max() > 1e-3


class _Conv1x1(BaseModule):
    """A 1x1 convolution plugin.

    Args:
        in_channels: channels at its point. Required.
        out_channels: channels it outputs. Required.
        init_cfg: mmengine initialisation config. Default: None.
    """

    def __init__(self, in_channels: int, out_channels: int,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.conv = nn.Conv2d(in_channels, out_channels, 1)
        self.out_channels = out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: N x C x H x W. Returns: N x out_channels x H x W."""
        return self.conv(x)


def test_docs_example_backbone_runs_with_two_plugins_and_their_init() -> None:
    source = re.search(r'```python\n(# my_package/my_net\.py\n.*?)```',
                       open(DOC, encoding='utf-8').read(), re.S)
    assert source, f'no example backbone in {DOC}'
    MODELS.module_dict.pop('MyNet', None)  # a rerun in one process
    exec(compile(source.group(1), DOC, 'exec'), {'__name__': 'plugins_md_my_net'})
    MODELS.register_module(name='_Conv1x1', module=_Conv1x1, force=True)
    try:
        def constant(val, bias):
            return dict(type='Constant', val=val, bias=bias, layer='Conv2d')
        model = MODELS.build(dict(type='MyNet', width=2, init_cfg=constant(0.1, 0.2), plugins=[
            dict(cfg=dict(type='_Conv1x1', out_channels=4, init_cfg=constant(0.5, 0.0)),
                 position='input'),
            dict(cfg=dict(type='_Conv1x1', out_channels=4, init_cfg=constant(0.25, 1.0)),
                 position='input')]))
        model.init_weights()
        x = torch.randn(2, 3, 5, 5)
        # by hand: plugin 1 gives 0.5 S in each of 4 channels (S: the channel sum of x),
        # plugin 2 gives 0.25 * 4 * 0.5 S + 1; the 3x3 head (0.1, bias 0.2) sums 4
        # channels over each zero-padded 3x3 window
        plugged = 0.5 * x.sum(1, keepdim=True) + 1.0
        window_sum = F.conv2d(plugged, torch.ones(1, 1, 3, 3), padding=1)
        expected = (0.1 * 4 * window_sum + 0.2).expand(2, 2, 5, 5)
        with torch.no_grad():
            torch.testing.assert_close(model(x), expected, rtol=0, atol=1e-5)
        assert model.head.in_channels == 4  # sized by what the plugins output
        assert house_style_problems(type(model)) == []
    finally:
        MODELS.module_dict.pop('MyNet', None)
        MODELS.module_dict.pop('_Conv1x1', None)
