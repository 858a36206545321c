"""Framework overhead: one demo training iteration through the mmengine Runner vs plain PyTorch.

    python benchmarks/bench_framework_overhead.py [--quick] [--profile]

Candidate: a Runner built from the demo config exactly as ``tools/train.py``
builds it (``load_config`` -> ``setup_launcher`` -> ``Runner.from_cfg`` ->
``runner.train()``), with every configured hook (IterTimer, Logger every 50
iterations, ParamScheduler, Checkpoint, DistSamplerSeed, NonFiniteLossGuard,
RestorationVisualization), the RestorationDataPreprocessor, the Restorer with
its L1 loss, the OptimWrapper (Adam) and the cosine LR schedule. Validation is
switched off (it is not a training iteration).

Baseline: the hand-written loop a user would write: the same ResidualCNN
(a copy of the Runner's, same weights), ``torch.stack`` of the batch, forward,
``F.l1_loss``, ``zero_grad`` / ``backward`` / ``Adam.step`` and a
``CosineAnnealingLR`` step.

Fairness: both loops consume the SAME pre-collected batches (``--batches`` of
them, produced by the Runner's own train dataloader from the demo data made by
``tools/data/prepare_demo.py``, then cycled), so data loading, which the two
would share, does not dilute the ratio: the figure is the pure framework cost.
The Runner's iteration time is measured from its own loop by a hook of lowest
priority: the time between the end of one ``after_train_iter`` and the end of
the next, i.e. fetching the batch, every hook, ``train_step`` and the loop's own
bookkeeping. Blocks of ``--block`` Runner iterations alternate with blocks of
``--block`` plain iterations (run from inside that hook, outside the Runner's
timed interval), after ``--warmup`` untimed iterations of each; short blocks
make both sides see the same machine load. The figure is the median over
rounds of (Runner block time / plain block time); medians of per-iteration
times and the ratio of the total times (which also carries the rare costs:
a log line every 50 iterations, a checkpoint every 300) are printed too.

Threads: one torch thread by default. On a small shared machine two OpenMP
threads made iterations several times slower and erratic (spinning threads
waiting for a busy core); ``--threads 0`` keeps torch's default.

``--profile`` runs the Runner alone under cProfile and prints the top entries.
Machine-dependent; not a test; asserts nothing.
"""
import argparse
import copy
import cProfile
import itertools
import os
import os.path as osp
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Callable, List, Optional

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
DEMO_CONFIG = osp.join(REPO_ROOT, 'configs', 'demo',
                       'residualcnn_c32b4_1xb8-400it_demo-blur-noise-jpeg.py')
TARGET = 1.05


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--quick', action='store_true', help='8 rounds instead of 30')
    parser.add_argument('--rounds', type=int, default=None, help='alternation rounds')
    parser.add_argument('--block', type=int, default=10,
                        help='iterations per alternation block')
    parser.add_argument('--warmup', type=int, default=10, help='untimed iterations of each')
    parser.add_argument('--batches', type=int, default=50, help='pre-collected batches')
    parser.add_argument('--data-root', default=None,
                        help='demo data (made with tools/data/prepare_demo.py if missing; '
                             'default: a temporary folder)')
    parser.add_argument('--threads', type=int, default=1,
                        help='torch intra-op threads (default 1; 0 = torch default)')
    parser.add_argument('--profile', action='store_true',
                        help='profile the Runner alone with cProfile instead of timing')
    args = parser.parse_args(argv)
    if args.rounds is None:
        args.rounds = 8 if args.quick else 30
    return args


def ensure_demo_data(root: str) -> str:
    if not osp.isfile(osp.join(root, 'train', 'gt', 'meta_info.txt')):
        subprocess.run([sys.executable, osp.join(REPO_ROOT, 'tools', 'data', 'prepare_demo.py'),
                        '--out', root], check=True, stdout=subprocess.DEVNULL)
    return root


def build_runner(data_root: str, work_dir: str, max_iters: int):
    """The Runner of ``tools/train.py`` for the demo config, validation off."""
    from mmengine.runner import Runner

    from irtoolbox.utils.checkpoint import install_safe_checkpointing
    from irtoolbox.utils.launch import load_config, setup_launcher
    install_safe_checkpointing(unsafe=False)
    options = {'train_dataloader.dataset.data_root': data_root,
               'train_cfg.max_iters': max_iters,
               'log_level': 'WARNING'}  # the log lines are still formatted and written to file
    cfg = load_config(DEMO_CONFIG, options, work_dir)
    cfg.val_dataloader, cfg.val_cfg, cfg.val_evaluator = None, None, None
    cfg.test_dataloader, cfg.test_cfg, cfg.test_evaluator = None, None, None
    cfg.train_cfg.pop('val_interval', None)
    setup_launcher(cfg, 'none')
    return Runner.from_cfg(cfg), cfg


def collect_batches(runner, count: int) -> list:
    """``count`` batches from the Runner's own train dataloader."""
    import torch
    with torch.random.fork_rng(devices=[]):
        return list(itertools.islice(iter(runner.train_dataloader), count))


class CycledBatches:
    """An endless 'data loader' over pre-collected batches (no restarts, no sleep).

    Everything else (``len``, ``batch_size``, ``dataset``, ...) is the real
    loader's, which the hooks (e.g. LoggerHook) read.
    """

    def __init__(self, batches: list, loader) -> None:
        self.batches = batches
        self.loader = loader

    def __iter__(self):
        return itertools.cycle(self.batches)

    def __len__(self) -> int:
        return len(self.loader)

    def __getattr__(self, name: str):
        return getattr(self.loader, name)


class PlainLoop:
    """The hand-written baseline: same network, data, loss, optimiser and schedule."""

    def __init__(self, runner, cfg, batches: list) -> None:
        import torch
        self.model = copy.deepcopy(runner.model.backbone).train()
        opt_cfg = cfg.optim_wrapper.optimizer
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=opt_cfg.lr,
                                          betas=tuple(opt_cfg.get('betas', (0.9, 0.999))))
        sched = cfg.param_scheduler[0]
        self.scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(
            self.optimizer, T_max=sched.T_max, eta_min=sched.eta_min)
        self.batches = itertools.cycle(batches)

    def step(self) -> None:
        import torch
        import torch.nn.functional as F
        batch = next(self.batches)
        x = torch.stack(batch['inputs']).float()
        gt = torch.stack([s.gt_img for s in batch['data_samples']]).float()
        loss = F.l1_loss(self.model(x), gt)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        self.scheduler.step()

    def timed_block(self, n: int) -> List[float]:
        times = []
        for _ in range(n):
            start = time.perf_counter()
            self.step()
            times.append(time.perf_counter() - start)
        return times


def make_clock_hook(batches: list, plain: Optional[PlainLoop], block: int, warmup: int):
    """A lowest-priority hook timing the Runner's iterations and running plain blocks."""
    from mmengine.hooks import Hook

    class AlternatingClockHook(Hook):
        priority = 'LOWEST'  # after every other hook of after_train_iter

        def __init__(self) -> None:
            self.runner_blocks: List[List[float]] = []
            self.plain_blocks: List[List[float]] = []
            self.current: List[float] = []
            self.mark = 0.0

        def before_train(self, runner) -> None:
            # Runs before the loop creates its iterator: feed it the shared batches.
            runner.train_loop.dataloader = CycledBatches(batches, runner.train_loop.dataloader)
            if plain is not None:
                plain.timed_block(warmup)
            self.mark = time.perf_counter()

        def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
            now = time.perf_counter()
            done = batch_idx + 1
            if done > warmup:
                self.current.append(now - self.mark)
            if done > warmup and (done - warmup) % block == 0:
                self.runner_blocks.append(self.current)
                self.current = []
                if plain is not None:
                    self.plain_blocks.append(plain.timed_block(block))
            self.mark = time.perf_counter()

    return AlternatingClockHook()


def run_timed(args: argparse.Namespace, data_root: str, work_dir: str) -> None:
    max_iters = args.warmup + args.rounds * args.block
    runner, cfg = build_runner(data_root, work_dir, max_iters)
    batches = collect_batches(runner, args.batches)
    plain = PlainLoop(runner, cfg, batches)
    hook = make_clock_hook(batches, plain, args.block, args.warmup)
    runner.register_hook(hook, priority='LOWEST')
    runner.train()
    report(hook.runner_blocks, hook.plain_blocks, args, batches)


def run_profiled(args: argparse.Namespace, data_root: str, work_dir: str) -> None:
    max_iters = args.warmup + args.rounds * args.block
    runner, _ = build_runner(data_root, work_dir, max_iters)
    batches = collect_batches(runner, args.batches)
    runner.register_hook(make_clock_hook(batches, None, args.block, args.warmup),
                         priority='LOWEST')
    profiler = cProfile.Profile()
    profiler.runcall(runner.train)
    stats = pstats.Stats(profiler).strip_dirs()
    print(f'cProfile of runner.train() over {max_iters} iterations (top by own time):')
    stats.sort_stats('tottime').print_stats(25)
    print('top by cumulative time:')
    stats.sort_stats('cumulative').print_stats(40)


def ms(seconds: float) -> str:
    return f'{seconds * 1e3:.2f} ms'


def report(runner_blocks: List[List[float]], plain_blocks: List[List[float]],
           args: argparse.Namespace, batches: list) -> None:
    ratios = [sum(r) / sum(p) for r, p in zip(runner_blocks, plain_blocks)]
    runner_iters = [t for b in runner_blocks for t in b]
    plain_iters = [t for b in plain_blocks for t in b]
    ratio = statistics.median(ratios)
    shape = tuple(batches[0]['inputs'][0].shape)
    print(f'demo model, batch {len(batches[0]["inputs"])} x {shape}, {len(batches)} pre-collected '
          f'batches shared by both loops, torch threads {_threads()}')
    print(f'{len(ratios)} rounds x {args.block} iterations each (after {args.warmup} warm-up)')
    print(f'runner iteration: median {ms(statistics.median(runner_iters))}, '
          f'mean {ms(statistics.fmean(runner_iters))}')
    print(f'plain  iteration: median {ms(statistics.median(plain_iters))}, '
          f'mean {ms(statistics.fmean(plain_iters))}')
    print(f'per-round block ratios: {", ".join(f"{r:.3f}" for r in sorted(ratios))}')
    print(f'ratio of total times: {sum(runner_iters) / sum(plain_iters):.3f}x')
    print(f'ratio of medians per iteration: '
          f'{statistics.median(runner_iters) / statistics.median(plain_iters):.3f}x')
    verdict = 'meets' if ratio <= TARGET else 'MISSES'
    print(f'RESULT framework overhead (median block ratio runner/plain): {ratio:.3f}x '
          f'({verdict} target <= {TARGET:.2f}x)')


def _threads() -> int:
    import torch
    return torch.get_num_threads()


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    sys.path.insert(0, REPO_ROOT)
    import torch
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory(prefix='bench_overhead_') as tmp:
        data_root = ensure_demo_data(args.data_root or osp.join(tmp, 'demo'))
        work_dir = osp.join(tmp, 'work')
        cwd = os.getcwd()
        os.chdir(REPO_ROOT)  # tools/train.py is run from the repository root
        try:
            runner_fn: Callable = run_profiled if args.profile else run_timed
            runner_fn(args, data_root, work_dir)
        finally:
            os.chdir(cwd)


if __name__ == '__main__':
    main()
