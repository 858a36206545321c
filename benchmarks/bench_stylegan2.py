"""StyleGAN2Generator timings on CPU (issue 19).

1. synthesis forward + backward (gradient w.r.t. ws, as latent restoration needs) at
   256 (NVlabs paper256) and optionally 1024 (config-f), fused against non-fused
   modulated convolutions, as a ratio measured in the same run;
2. latent-restoration steps with the paper-size generator (256), MMD against
   ``--prior`` mapping samples and an L2 data term: seconds per step and the share
   of synthesis (forward + backward) in it.

    python benchmarks/bench_stylegan2.py [--reps 3] [--res 256 1024] [--steps 5]
"""
import argparse
import time
from typing import Dict

import torch

from irtoolbox.models.generators.stylegan2 import StyleGAN2Generator
from irtoolbox.registry import MODELS

CONFIGS = {256: dict(resolution=256, channel_base=16384, num_fp16_res=4, conv_clamp=256),
           1024: dict(resolution=1024, channel_base=32768)}


def build(res: int) -> StyleGAN2Generator:
    torch.manual_seed(0)
    gen = StyleGAN2Generator(**CONFIGS[res], noise_mode='const')
    gen.init_weights()
    return gen.eval().requires_grad_(False)


def synthesis_seconds(gen: StyleGAN2Generator, fused: bool, reps: int) -> float:
    """Median seconds of one synthesis forward + backward to ws (batch 1)."""
    times = []
    ws = gen.mapping.w_avg.expand(1, gen.num_ws, -1).clone().requires_grad_(True)
    for _ in range(reps + 1):   # first one warms up
        start = time.perf_counter()
        gen.synthesis(ws, fused_modconv=fused).square().mean().backward()
        times.append(time.perf_counter() - start)
    return sorted(times[1:])[len(times[1:]) // 2]


def restoration_step_seconds(gen: StyleGAN2Generator, steps: int, prior: int) -> Dict[str, float]:
    mmd = MODELS.build(dict(type='MMDLoss', gamma=512.0, kernel='distance', estimator='biased'))
    with torch.no_grad():
        prior_ws = gen.mapping(torch.randn(prior, gen.z_dim))
    ws = prior_ws.mean(0).expand(gen.num_ws, -1).clone().requires_grad_(True)
    target = torch.zeros(1, 3, gen.img_resolution, gen.img_resolution)
    opt = torch.optim.Adam([ws], lr=0.1)
    synth = total = 0.0
    for _ in range(steps):
        start = time.perf_counter()
        opt.zero_grad()
        image = gen.synthesis(ws.unsqueeze(0))
        loss = (image - target).square().mean()
        loss.backward()
        mid = time.perf_counter()
        mmd(ws, prior_ws).backward()
        opt.step()
        end = time.perf_counter()
        synth += mid - start
        total += end - start
    return dict(step_s=total / steps, synthesis_share=synth / total)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--reps', type=int, default=3)
    parser.add_argument('--res', type=int, nargs='+', default=[256], choices=sorted(CONFIGS))
    parser.add_argument('--steps', type=int, default=5)
    parser.add_argument('--prior', type=int, default=1000)
    args = parser.parse_args()
    for res in args.res:
        gen = build(res)
        fused = synthesis_seconds(gen, True, args.reps)
        plain = synthesis_seconds(gen, False, args.reps)
        print(f'synthesis fwd+bwd {res}px: fused {fused:.3f} s, non-fused {plain:.3f} s, '
              f'non-fused / fused = {plain / fused:.2f}')
    if args.steps:
        out = restoration_step_seconds(build(256), args.steps, args.prior)
        print(f'latent restoration 256px (L2 + MMD vs {args.prior} samples): '
              f'{out["step_s"]:.3f} s/step, synthesis share {out["synthesis_share"]:.0%}, '
              f'100 steps ~ {100 * out["step_s"]:.0f} s')


if __name__ == '__main__':
    main()
