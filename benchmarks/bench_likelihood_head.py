"""DL-Net overhead: inference and training-step time for K = 1..5, as ratios to K = 1.

    python benchmarks/bench_likelihood_head.py [--quick] [--threads 1] [--rounds 7]
        [--clock process|wall]

Model: the context-encoder autoencoder of the paper (g, 5.64 M parameters)
with the likelihood head (h = ReLU + ConvT 64 -> 3), 64 x 64 images, batch
16, each sample with its own box or Bernoulli mask (recorded params, as the
data pipeline writes them), the K values alternating in rounds; the ratio of the
fastest round of each K (robust to other processes on a shared machine) and
of the medians. Inference: ``model.eval()`` under ``torch.no_grad()`` (the refinement
runs under ``enable_grad`` inside, as in the Runner's test loop). Training
step: train mode, forward, MSE loss, backward (second order through the
unroll), Adam step.

The arithmetic floor, printed beside: per image the network costs F
multiply-adds and h costs H (counted from the layer shapes). One refinement
step runs h forward and the gradient of the fidelity w.r.t. z, which is h's
transpose (about H again): inference ratio 1 + (K - 1) 2H / F. In training,
the baseline step is about 3F (forward + backward); each unrolled step adds
about 2H forward and twice that backward (the second-order pass): ratio
1 + (K - 1) 6H / (3F). On a CPU the multiply-add floor is optimistic, so the
script also times the two parts of one inference step on the whole batch:
the gradient h^T(dL/dh(z)) as the head computes it (h's convolution, the
masked residual, its transpose, the ReLU mask; GFLOP/s beside the
network's) and the Adam update of z (16 x 64 x 32 x 32 floats). The head
refines in chunks of samples that stay in cache, so its steps can cost less
than these whole-batch figures.

Machine-dependent; not a test; asserts nothing.
"""
import argparse
import os.path as osp
import statistics
import sys
import time
from typing import List, Optional

import numpy as np

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--quick', action='store_true', help='3 rounds, batch 8')
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--rounds', type=int, default=7)
    parser.add_argument('--batch', type=int, default=16)
    parser.add_argument('--max-k', type=int, default=5)
    parser.add_argument('--clock', choices=['process', 'wall'], default='process',
                        help='process: CPU time of this process (robust to other jobs on a '
                             'shared machine; equals wall time with --threads 1 on an idle '
                             'core); wall: time.perf_counter')
    return parser.parse_args(argv)


def conv_macs(model, size: int = 64) -> dict:
    """Multiply-adds per image of every conv / transposed conv (hooks on a dummy pass)."""
    import torch
    macs = {}

    def hook(module, inputs, output, name):
        if isinstance(module, torch.nn.ConvTranspose2d):
            n = inputs[0][0].numel() * module.out_channels * module.kernel_size[0] ** 2
        else:
            n = output[0].numel() * module.in_channels * module.kernel_size[0] ** 2
        macs[name] = n // module.groups

    handles = [m.register_forward_hook(lambda mod, i, o, name=name: hook(mod, i, o, name))
               for name, m in model.named_modules()
               if isinstance(m, (torch.nn.Conv2d, torch.nn.ConvTranspose2d))]
    with torch.no_grad():
        model(torch.zeros(1, 3, size, size))
    for handle in handles:
        handle.remove()
    return macs


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    sys.path.insert(0, REPO_ROOT)
    import torch

    from irtoolbox.models.backbones import ContextEncoderAE
    from irtoolbox.models.heads import LikelihoodHead
    from irtoolbox.models.layers.phase_deconv import channels_last_copy
    from irtoolbox.structures import RestorationDataSample
    torch.set_num_threads(args.threads)
    clock = time.process_time if args.clock == 'process' else time.perf_counter
    rounds = 3 if args.quick else args.rounds
    batch = 8 if args.quick else args.batch
    torch.manual_seed(0)

    full = ContextEncoderAE()
    macs = conv_macs(full)
    # h's transposed conv on CPU runs as phase convs, not through its module's
    # hooks: count it from its shape (every input entry meets every tap).
    h_conv = full.output_layer.conv
    h_macs = 32 * 32 * h_conv.in_channels * h_conv.out_channels * h_conv.kernel_size[0] ** 2
    macs['output_layer.conv'] = h_macs
    total = sum(macs.values()) + 512 * 16 * 16  # + the channel-wise FC

    g = ContextEncoderAE(with_output_layer=False)
    head = LikelihoodHead(output_layer=dict(in_channels=64))
    g.init_weights()
    head.init_weights()
    params = list(g.parameters()) + list(head.parameters())
    optimizer = torch.optim.Adam(params, lr=1e-4)
    rng = np.random.default_rng(0)
    samples = []
    for i in range(batch):
        if i % 2:
            mask = (rng.random((64, 64)) >= rng.uniform(0, 0.75)).astype(np.uint8)
            params_i = dict(name='BernoulliMask', drop=0.5, seed=i, mask=mask)
        else:
            mask = np.ones((64, 64), np.uint8)
            side = int(rng.integers(1, 31))
            mask[32 - side // 2:32 - side // 2 + side, 32 - side // 2:32 - side // 2 + side] = 0
            params_i = dict(name='BoxMask', side=side, shift=[0, 0], mask=mask)
        samples.append(RestorationDataSample(metainfo=dict(degradation_params=params_i,
                                                           input_shape=(64, 64))))
    x = torch.rand(batch, 3, 64, 64) * 2 - 1
    gt = torch.rand(batch, 3, 64, 64) * 2 - 1

    def infer(k: int) -> float:
        head.num_steps = k
        g.eval()
        head.eval()
        start = clock()
        with torch.no_grad():
            head(g(x), inputs=x, data_samples=samples)
        return clock() - start

    def train_step(k: int) -> float:
        head.num_steps = k
        g.train()
        head.train()
        start = clock()
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(head(g(x), inputs=x, data_samples=samples), gt)
        loss.backward()
        optimizer.step()
        return clock() - start

    def gradient_step() -> float:
        # one refinement step's gradient h^T(dL/dh(z)) at inference, as the head
        # computes it (h, the masked residual, h^T, the ReLU mask), whole batch
        head.eval()
        with torch.no_grad():
            z = channels_last_copy(g.eval()(x))
            gradient = head.fidelity_gradient_fn(z, x, head.observation(x, samples), False)
            start = clock()
            gradient(z)
            return clock() - start

    def adam_step() -> float:
        # one refinement step's Adam update of z (moments, rsqrt, update), whole batch
        with torch.no_grad():
            z = channels_last_copy(torch.randn(batch, 64, 32, 32))
            grad, m, v = torch.randn_like(z), torch.randn_like(z), torch.rand_like(z)
            start = clock()
            head.adam_step(z, grad, m, v, 2, in_place=True)
            return clock() - start

    ks = list(range(1, args.max_k + 1))
    for fn in (infer, train_step):  # warm-up: thread pools, allocator
        fn(1)
        fn(args.max_k)
    times = {name: {k: [] for k in ks} for name in ('inference', 'training step')}
    h_times, adam_times = [], []
    for _ in range(rounds):
        h_times.append(gradient_step())
        adam_times.append(adam_step())
        for k in ks:
            times['inference'][k].append(infer(k))
            times['training step'][k].append(train_step(k))

    print(f'context encoder 64x64, batch {batch}, {args.threads} threads, {args.clock} clock, '
          f'{rounds} rounds'
          f'; F = {total / 1e6:.1f} M MACs/image, h = {h_macs / 1e6:.2f} M '
          f'({100 * h_macs / total:.2f} %)')
    print('seconds per batch; ratio = time(K) / time(1); floor = the multiply-add count ratio')
    t_h, t_adam = min(h_times), min(adam_times)
    t_1 = min(times['inference'][1])
    extra = args.max_k - 1
    print(f'one refinement step on the whole batch: gradient h^T(dL/dh(z)) {t_h:.4f} s '
          f'({t_h / t_1:.3f} of an inference at K = 1), Adam update {t_adam:.4f} s '
          f'({t_adam / t_1:.3f}); sum over K = {args.max_k}: '
          f'{1 + extra * (t_h + t_adam) / t_1:.2f} (the chunked refinement can beat it)')
    print(f'throughput: the whole network at K = 1 {2 * total * batch / t_1 / 1e9:.0f} GFLOP/s, '
          f"a step's gradient {2 * 2 * h_macs * batch / t_h / 1e9:.0f} GFLOP/s")
    print(f'{"":>14} {"K":>2} {"best s":>7} {"ratio":>6} {"median s":>8} {"ratio":>6} '
          f'{"floor":>6}')
    for name, per_k in times.items():
        best1, med1 = min(per_k[1]), statistics.median(per_k[1])
        for k in ks:
            best, med = min(per_k[k]), statistics.median(per_k[k])
            per_step = 2 * h_macs / total if name == 'inference' else 6 * h_macs / (3 * total)
            floor = 1 + (k - 1) * per_step
            print(f'{name:>14} {k:>2} {best:7.3f} {best / best1:6.2f} {med:8.3f} '
                  f'{med / med1:6.2f} {floor:6.3f}')


if __name__ == '__main__':
    main()
