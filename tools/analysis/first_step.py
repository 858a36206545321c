"""One training step of a config's model at its configured size, with the
numbers that show a badly balanced recipe before any long run (issue 22):

- each loss term's value and the gradient norm it alone contributes;
- the feature RMS at each named point: every ``feature_taps`` module of the
  restorer and every block of the backbone's module lists (phases, blocks);
- the parameter count and the time of the step (forward, backward, update).

Inputs are synthetic (the datasets need not exist): ``--batch`` ground-truth
images uniform in [0, 1] of the configured crop size, inputs = ground truth +
N(0, 0.1) noise, clipped. Models whose losses need recorded degradations
(DL-Net's likelihood) then fall back as they do without them (K = 1).

    python tools/analysis/first_step.py CONFIG [--batch 2] [--size 64] [--seed 0]
"""
import argparse
import re
import sys
import time
from typing import Dict, List, Optional, Tuple

import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from torch import nn


def crop_size_of(cfg: Config) -> Optional[int]:
    """The training crop side: the config's ``crop_size`` or the first crop transform's."""
    if isinstance(cfg.get('crop_size'), int):
        return cfg.crop_size
    text = cfg.pretty_text
    match = re.search(r"crop_size=(?:\()?(\d+)", text)
    return int(match.group(1)) if match else None


def point_modules(model: nn.Module) -> List[Tuple[str, nn.Module]]:
    """Named points: the restorer's feature-tap modules and the backbone's list blocks."""
    from irtoolbox.models.restorers.restorer import module_name_matches
    points = []
    for pattern in getattr(model, 'feature_taps', {}).values():
        points += [(n, m) for n, m in model.named_modules()
                   if n and module_name_matches(n, pattern)]
    backbone = getattr(model, 'backbone', None)
    if backbone is not None:
        for name, module in backbone.named_modules():
            if isinstance(module, nn.ModuleList) and name.count('.') == 0:
                points += [(f'backbone.{name}.{i}', m) for i, m in enumerate(module)]
    seen, unique = set(), []
    for name, module in points:
        if name not in seen:
            seen.add(name)
            unique.append((name, module))
    return unique


def input_channels(model: nn.Module) -> int:
    """The backbone's ``in_channels``, else its first convolution's."""
    backbone = getattr(model, 'backbone', model)
    if isinstance(getattr(backbone, 'in_channels', None), int):
        return backbone.in_channels
    conv = next((m for m in backbone.modules() if isinstance(m, nn.Conv2d)), None)
    return conv.in_channels if conv is not None else 3


def synthetic_batch(model: nn.Module, batch: int, size: int, seed: int,
                    scale: int = 1) -> dict:
    """``size`` is the ground truth's side; a super-resolution model (``scale`` > 1)
    gets the ground truth average-pooled by ``scale`` plus the noise."""
    from irtoolbox.structures import RestorationDataSample
    gen = torch.Generator().manual_seed(seed)
    gt = torch.rand(batch, input_channels(model), size, size, generator=gen)
    lq = torch.nn.functional.avg_pool2d(gt, scale) if scale > 1 else gt
    lq = (lq + 0.1 * torch.randn(lq.shape, generator=gen)).clamp(0, 1)
    samples = []
    for i in range(batch):
        sample = RestorationDataSample()
        sample.gt_img = gt[i]
        samples.append(sample)
    return dict(inputs=list(lq), data_samples=samples)


def first_step(config: str, batch: int, size: Optional[int], seed: int) -> Dict[str, object]:
    """Run one step; returns the measured figures (also printed by :func:`main`)."""
    import irtoolbox  # noqa: F401  (registers the modules)
    from irtoolbox.registry import MODELS
    cfg = Config.fromfile(config)
    size = size or crop_size_of(cfg)
    if size is None:
        raise SystemExit(f'first_step.py: error: {config} names no crop_size; pass --size')
    torch.manual_seed(seed)
    model = MODELS.build(cfg.model)
    if hasattr(model, 'init_weights'):
        from irtoolbox.utils.setup_env import init_weights_quietly
        init_weights_quietly(model)  # mmengine's per-parameter report off the console
    model.train()
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    scale = cfg.get('scale', 1) if isinstance(cfg.get('scale', 1), int) else 1
    data = model.data_preprocessor(synthetic_batch(model, batch, size, seed, scale), True)

    rms: Dict[str, float] = {}

    def record(name: str, out: object) -> None:
        # a block returning a tuple has no single RMS: recorded as nan
        rms[name] = (float(out.detach().pow(2).mean().sqrt()) if torch.is_tensor(out)
                     else float('nan'))
    handles = [m.register_forward_hook(lambda _m, _i, out, name=name: record(name, out))
               for name, m in point_modules(model)]
    params = [p for p in model.parameters() if p.requires_grad]
    start = time.perf_counter()
    losses = model.loss(data['inputs'], data['data_samples'])
    for h in handles:
        h.remove()
    grad_norms = {}
    for name, value in losses.items():
        grads = torch.autograd.grad(value, params, retain_graph=True, allow_unused=True)
        grad_norms[name] = float(torch.sqrt(sum((g.double() ** 2).sum() for g in grads
                                                if g is not None)))
    total = sum(losses.values())
    wrapper.update_params(total)
    step_s = time.perf_counter() - start
    return dict(config=config, size=size, batch=batch,
                params=sum(p.numel() for p in model.parameters()),
                losses={k: float(v.detach()) for k, v in losses.items()}, grad_norms=grad_norms,
                rms=rms, step_s=step_s)


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config')
    parser.add_argument('--batch', type=int, default=2)
    parser.add_argument('--size', type=int, default=None, help='crop side (default: config)')
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args(argv)
    r = first_step(args.config, args.batch, args.size, args.seed)
    print(f"{r['config']}: {r['params']:,} parameters, batch {r['batch']} x {r['size']}^2, "
          f"step {r['step_s']:.2f} s")
    for name, value in r['losses'].items():
        print(f'  {name:24s} value {value:12.5g}   grad norm {r["grad_norms"][name]:12.5g}')
    if r['rms']:
        print('  feature RMS: ' + ', '.join(f'{n.split("backbone.")[-1]} {v:.3g}'
                                           for n, v in r['rms'].items()))


if __name__ == '__main__':
    sys.exit(main())
