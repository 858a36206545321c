"""GPU training throughput: forward + backward images/s, fp32 vs AMP, at 256 x 256.

    python benchmarks/bench_gpu_throughput.py [--quick] [--batch-size 8]
    python benchmarks/bench_gpu_throughput.py --cpu-smoke   # checks the code path only

Models (built through the MODELS registry, as configs build them):

- ``demo``: the demo backbone ``ResidualCNN(mid_channels=32, num_blocks=4)``;
- ``unet5_infoaccum``: the InfoAccum paper's generator, ``UNetGenerator(depth=5,
  base_channels=64)`` with ``InfoAccum(num_layers=15, growth=4)`` before it
  (only if ``irtoolbox/models/backbones/unet.py`` and
  ``irtoolbox/models/plugins/info_accum.py`` exist).

One step = forward, L1 loss against a target, backward, Adam step, on a random
batch resident on the GPU (no data loading). fp32: plain. AMP:
``torch.autocast('cuda', dtype=float16)`` around forward + loss, with a
``torch.amp.GradScaler``, as mmengine's ``AmpOptimWrapper`` does. Timing: after
``--warmup`` steps of each, blocks of ``--steps`` steps alternate between fp32
and AMP over ``--rounds`` rounds, each block bracketed by
``torch.cuda.synchronize()``; figures are medians over rounds of images/s and
of AMP / fp32 per round.

Without CUDA the script exits with status 2 and says so (``--cpu-smoke`` runs
one tiny fp32 step per model on the CPU to check that the code works).
Machine-dependent; not a test; asserts nothing.
"""
import argparse
import os.path as osp
import statistics
import sys
import time
from typing import Callable, Dict, List, Optional

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--quick', action='store_true', help='3 rounds instead of 10')
    parser.add_argument('--rounds', type=int, default=None)
    parser.add_argument('--steps', type=int, default=20, help='steps per timed block')
    parser.add_argument('--warmup', type=int, default=10)
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--size', type=int, default=256)
    parser.add_argument('--cpu-smoke', action='store_true',
                        help='no CUDA needed: one 64x64 fp32 step per model on the CPU')
    args = parser.parse_args(argv)
    if args.rounds is None:
        args.rounds = 3 if args.quick else 10
    return args


def model_configs() -> Dict[str, dict]:
    cfgs = {'demo': dict(type='ResidualCNN', in_channels=3, out_channels=3, mid_channels=32,
                         num_blocks=4)}
    unet = osp.join(REPO_ROOT, 'irtoolbox', 'models', 'backbones', 'unet.py')
    plugin = osp.join(REPO_ROOT, 'irtoolbox', 'models', 'plugins', 'info_accum.py')
    if osp.isfile(unet) and osp.isfile(plugin):
        cfgs['unet5_infoaccum'] = dict(
            type='UNetGenerator', in_channels=3, out_channels=3, depth=5, base_channels=64,
            plugins=[dict(cfg=dict(type='InfoAccum', num_layers=15, growth=4),
                          position='input')])
    return cfgs


def make_step(model, amp: bool, device: str) -> Callable:
    """One training step of ``model`` (fp32, or AMP with a GradScaler)."""
    import torch
    import torch.nn.functional as F
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    scaler = torch.amp.GradScaler('cuda', enabled=amp)

    def step(x, target) -> None:
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast(device_type=device, dtype=torch.float16, enabled=amp):
            loss = F.l1_loss(model(x), target)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()

    return step


def timed_block(step: Callable, x, target, n: int) -> float:
    """Images/s over ``n`` steps."""
    import torch
    torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(n):
        step(x, target)
    torch.cuda.synchronize()
    return n * x.shape[0] / (time.perf_counter() - start)


def bench_model(name: str, cfg: dict, args: argparse.Namespace) -> None:
    import copy

    import torch

    from irtoolbox.registry import MODELS
    torch.manual_seed(0)
    base = MODELS.build(cfg).cuda().train()
    # The AMP step trains its own copy: two optimisers must not move the same weights.
    steps = {'fp32': make_step(base, False, 'cuda'),
             'amp': make_step(copy.deepcopy(base), True, 'cuda')}
    x = torch.rand(args.batch_size, 3, args.size, args.size, device='cuda')
    target = torch.rand_like(x)
    for step in steps.values():
        timed_block(step, x, target, args.warmup)
    rates: Dict[str, List[float]] = {'fp32': [], 'amp': []}
    for r in range(args.rounds):
        order = ('fp32', 'amp') if r % 2 == 0 else ('amp', 'fp32')
        for mode in order:
            rates[mode].append(timed_block(steps[mode], x, target, args.steps))
    ratio = statistics.median(a / f for a, f in zip(rates['amp'], rates['fp32']))
    params = sum(p.numel() for p in base.parameters()) / 1e6
    print(f'{name} ({params:.2f} M params), batch {args.batch_size} x 3 x {args.size} x '
          f'{args.size}: fp32 {statistics.median(rates["fp32"]):.1f} img/s, AMP '
          f'{statistics.median(rates["amp"]):.1f} img/s; RESULT AMP/fp32 = {ratio:.2f}x')


def cpu_smoke(cfgs: Dict[str, dict]) -> None:
    import torch

    from irtoolbox.registry import MODELS
    for name, cfg in cfgs.items():
        model = MODELS.build(cfg).train()
        step = make_step(model, False, 'cpu')
        x = torch.rand(1, 3, 64, 64)
        step(x, torch.rand_like(x))
        print(f'{name}: one fp32 step on CPU at 64x64 ran (smoke check only, no timing)')


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    sys.path.insert(0, REPO_ROOT)
    import torch
    cfgs = model_configs()
    if args.cpu_smoke:
        cpu_smoke(cfgs)
        return 0
    if not torch.cuda.is_available():
        print('bench_gpu_throughput: no CUDA GPU available (torch.cuda.is_available() is '
              'False); nothing measured. Run it on a machine with a CUDA GPU '
              '(--cpu-smoke checks the code path on the CPU).', file=sys.stderr)
        return 2
    torch.backends.cudnn.benchmark = True
    print(f'device: {torch.cuda.get_device_name(0)}, torch {torch.__version__}, '
          f'{args.rounds} rounds x {args.steps} steps per mode')
    for name, cfg in cfgs.items():
        bench_model(name, cfg, args)
    return 0


if __name__ == '__main__':
    sys.exit(main())
