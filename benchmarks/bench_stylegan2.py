"""StyleGAN2Generator and the paper's latent restoration on CPU (issue 19).

1. synthesis forward + backward (gradient w.r.t. ws, as latent restoration needs) at
   256 (NVlabs paper256) and 1024 (config-f), fused against non-fused modulated
   convolutions, as a ratio measured in the same run;
2. one latent restoration of a 256 x 256 image with the paper's setting (Han et al.
   2024, Sec. 4.1: ``latent-stylegan2-nll-mmd-sph_1xb1-100step_celebahq256-jpeg.py``,
   the paper256 generator, the 6-block, 100-channel degradation model, MMD against
   ``--prior`` mapping samples, spherical steps, cross loss) through the real
   ``LatentRestorer.restore``: seconds for ``--steps`` steps (extrapolated to the
   config's 100 when fewer are run) and peak memory (the process's maximum resident
   set, ``resource.getrusage``; tracemalloc does not see torch's allocator);
3. the share of each term in a step (synthesis, degradation NLL, MMD, each forward +
   backward), from the same operations run one after another.

Random NVlabs-style weights (no checkpoint is read): the timings do not depend on them.

    python benchmarks/bench_stylegan2.py [--reps 2] [--res 256 1024] [--steps 3]
    python benchmarks/bench_stylegan2.py --res --steps 2   # restoration only (its own peak)
"""
import argparse
import os.path as osp
import resource
import time
from typing import Dict

import torch
from mmengine.config import Config
from mmengine.logging import MMLogger

import irtoolbox.models  # noqa: F401  (registers every part)
from irtoolbox.models.generators.stylegan2 import StyleGAN2Generator
from irtoolbox.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
PAPER = osp.join(REPO, 'configs', 'pixelcnn_degradation',
                 'latent-stylegan2-nll-mmd-sph_1xb1-100step_celebahq256-jpeg.py')
CONFIGS = {256: dict(resolution=256, channel_base=16384, num_fp16_res=4, conv_clamp=256),
           1024: dict(resolution=1024, channel_base=32768)}


def peak_rss_mb() -> float:
    """Maximum resident set of this process so far, MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(res: int) -> StyleGAN2Generator:
    torch.manual_seed(0)
    gen = StyleGAN2Generator(**CONFIGS[res], noise_mode='const')
    gen.init_weights()
    return gen.eval().requires_grad_(False)


def synthesis_seconds(gen: StyleGAN2Generator, fused: bool, reps: int) -> float:
    """Median seconds of one synthesis forward + backward to ws (batch 1)."""
    times = []
    ws = torch.randn(1, gen.num_ws, gen.w_dim).requires_grad_(True)
    for _ in range(reps + 1):   # first one warms up
        start = time.perf_counter()
        gen.synthesis(ws, fused_modconv=fused).square().mean().backward()
        times.append(time.perf_counter() - start)
    return sorted(times[1:])[len(times[1:]) // 2]


def paper_restorer(steps: int, prior: int):
    """The paper's LatentRestorer with random weights in place of both checkpoints."""
    cfg = Config.fromfile(PAPER).model
    cfg.generator_checkpoint = None
    cfg.data_loss.checkpoint = None
    cfg.num_steps, cfg.num_prior_samples = steps, prior
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.init_weights()
    model.data_loss.model.init_weights()  # the frozen density net: its own (non-empty) init
    return model.eval()


def degraded_image(res: int) -> torch.Tensor:
    """An 8-bit image in [-1, 1] (the NLL's bins), 1 x 3 x res x res."""
    gen = torch.Generator().manual_seed(1)
    return torch.randint(0, 256, (1, 3, res, res), generator=gen) / 127.5 - 1


def term_seconds(model, lq: torch.Tensor, steps: int) -> Dict[str, float]:
    """Mean seconds per step of each term's forward + backward, run separately: the NLL
    on a detached image (its backward stops at the image), then the synthesis backward
    from that image gradient, the MMD and cross terms on the latents."""
    ws, prior = model.start(lq.device)
    ws.requires_grad_(True)
    out = dict(synthesis=0.0, nll=0.0, mmd=0.0)
    for _ in range(steps):
        t0 = time.perf_counter()
        image = model.generator.synthesis(ws.unsqueeze(0))
        t1 = time.perf_counter()
        leaf = image.detach().requires_grad_(True)
        model.data_loss(leaf, lq).backward()  # DegradationLikelihoodLoss(pred, lq)
        t2 = time.perf_counter()
        image.backward(leaf.grad)
        t3 = time.perf_counter()
        model.mmd_loss(ws, prior).backward()
        t4 = time.perf_counter()
        out['synthesis'] += (t1 - t0) + (t3 - t2)
        out['nll'] += t2 - t1
        out['mmd'] += t4 - t3
    return {k: v / steps for k, v in out.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--reps', type=int, default=2, help='timed repeats (>= 1)')
    parser.add_argument('--res', type=int, nargs='*', default=[256, 1024],
                        choices=sorted(CONFIGS))
    parser.add_argument('--steps', type=int, default=3,
                        help='restoration steps run (the config has 100; 0: skip)')
    parser.add_argument('--prior', type=int, default=1000)
    args = parser.parse_args()
    if args.reps < 1:
        parser.error(f'--reps must be >= 1, got {args.reps}')
    # the current logger, at WARNING: no per-parameter lines from init_weights
    MMLogger.get_instance('bench_stylegan2', log_level='WARNING')
    print(f'torch {torch.__version__}, {torch.get_num_threads()} thread(s)')
    for res in args.res:
        gen = build(res)
        fused = synthesis_seconds(gen, True, args.reps)
        plain = synthesis_seconds(gen, False, args.reps)
        print(f'synthesis fwd+bwd {res}px: fused {fused:.3f} s, non-fused {plain:.3f} s, '
              f'non-fused / fused = {plain / fused:.2f}')
        del gen
    if not args.steps:
        return
    model = paper_restorer(args.steps, args.prior)
    lq = degraded_image(model.generator.img_resolution)
    built = peak_rss_mb()
    start = time.perf_counter()
    model.restore(lq)
    seconds = time.perf_counter() - start
    peak = peak_rss_mb()
    print(f'latent restoration 256px (paper config, NLL + MMD vs {args.prior} samples): '
          f'{args.steps} steps in {seconds:.1f} s ({seconds / args.steps:.2f} s/step, '
          f'100 steps ~ {100 * seconds / args.steps:.0f} s); peak RSS {peak:.0f} MB '
          f'(after building {built:.0f} MB)')
    terms = term_seconds(model, lq, max(1, min(args.steps, 2)))
    total = sum(terms.values())
    print('share of a step: ' + ', '.join(f'{k} {v:.2f} s ({v / total:.1%})'
                                          for k, v in terms.items()))


if __name__ == '__main__':
    main()
