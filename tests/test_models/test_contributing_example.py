"""The example part of docs/contributing.md, taken from the markdown and run,
so that the page a newcomer copies from stays true: it builds from a config,
runs forward and backward, and passes the house-style checks of
irtoolbox.testing."""
import os.path as osp
import re

import torch
from conftest import REPO_ROOT

from irtoolbox.registry import MODELS
from irtoolbox.testing import house_style_problems

DOC = osp.join(REPO_ROOT, 'docs', 'contributing.md')


def example_source() -> str:
    """The first ```python block after the heading line 'A complete part'."""
    text = open(DOC, encoding='utf-8').read()
    start = text.index('A complete part')
    match = re.search(r'```python\n(.*?)```', text[start:], flags=re.S)
    assert match, f'no ```python block after "A complete part" in {DOC}'
    return match.group(1)


def test_contributing_example_part_builds_and_runs():
    source = example_source()
    names = re.findall(r'^class (\w+)\(', source, flags=re.M)
    assert len(names) == 1, f'the example should define one part, found {names}'
    name = names[0]
    MODELS.module_dict.pop(name, None)  # the example registers it; allow a rerun
    namespace = {'__name__': 'contributing_example'}
    exec(compile(source, DOC, 'exec'), namespace)
    try:
        part = MODELS.build(dict(type=name, in_channels=8, reduction=4))
        part.init_weights()
        x = torch.randn(2, 8, 5, 6, requires_grad=True)
        out = part(x)
        assert out.shape == x.shape
        # channel attention: each channel is x scaled by a factor in (0, 1)
        ratio = (out / x).detach()
        per_channel = ratio.flatten(2)
        assert torch.allclose(per_channel, per_channel[..., :1].expand_as(per_channel),
                              atol=1e-5)
        assert ((per_channel > 0) & (per_channel < 1)).all()
        out.sum().backward()
        assert all(p.grad is not None and torch.isfinite(p.grad).all()
                   for p in part.parameters())
        assert not house_style_problems(type(part))
        assert part.out_channels == 8
        assert isinstance(MODELS.build(dict(type=name, in_channels=8, act_cfg=None))
                          .squeeze[2], torch.nn.Identity)
    finally:
        MODELS.module_dict.pop(name, None)
