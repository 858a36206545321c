"""DL-Net exported to ONNX: inference time of the graph in onnxruntime against PyTorch.

    python benchmarks/bench_onnx_dlnet.py [--config CONFIG] [--batch 16] [--threads 1]
        [--rounds 7] [--quick]

Model: a DL-Net config (default: the paper's context encoder + likelihood
head, K = 5, 64 x 64 inpainting) with seeded random weights, a batch of
photograph crops with 30 % Bernoulli holes and noise sigma 25 on every other
image. Three ways to run the same restoration:

- ``pytorch``: the restorer on data samples recording the masks and noise
  (``forward_tensor(inputs, samples)``: the head's CPU path, samples refined
  in cache-sized chunks, h's transposed conv in output phases, in place);
- ``graph-pytorch``: the graph form the exporter traces
  (``--observation mask``: the mask and sigma as tensors, the K - 1 Adam steps
  as plain out-of-place ops on the whole batch), run by PyTorch;
- ``onnxruntime``: the exported file (``pytorch2onnx.convert``), CPU provider,
  ``intra_op_num_threads`` = ``--threads``.

Each is timed in alternating rounds (the fastest round and the median,
wall clock) after one warm-up; the outputs are compared with ``pytorch``'s.
Needs the onnx extra (``pip install -e .[onnx]``). Machine-dependent; not a
test; asserts nothing.
"""
import argparse
import os.path as osp
import statistics
import sys
import tempfile
import time
from typing import Callable, Dict, List, Optional

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
DEFAULT_CONFIG = 'configs/dlnet/dlnet_contextencoder-k5_1xb100-500k_celeba64-inpaint.py'


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config', default=DEFAULT_CONFIG)
    parser.add_argument('--batch', type=int, default=16)
    parser.add_argument('--threads', type=int, default=1)
    parser.add_argument('--rounds', type=int, default=7)
    parser.add_argument('--quick', action='store_true', help='3 rounds, batch 8')
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.batch = 3, 8
    return args


def degraded_batch(batch: int, side: int = 64):
    """``batch`` crops of scikit-image photographs, 30 % Bernoulli holes, sigma 25
    on even images: (normalised inputs, samples recording it, masks, sigmas)."""
    import cv2
    import numpy as np
    import skimage.data
    import torch

    from irtoolbox.structures import RestorationDataSample
    rng = np.random.default_rng(0)
    photos = [skimage.data.astronaut(), skimage.data.coffee(), skimage.data.chelsea()]
    inputs, samples, masks, sigmas = [], [], [], []
    for i in range(batch):
        image = cv2.resize(photos[i % len(photos)], (side, side), interpolation=cv2.INTER_AREA)
        x = image.astype(np.float32) / 255
        mask = (rng.random((side, side)) >= 0.3).astype(np.uint8)
        sigma = 25.0 if i % 2 == 0 else 0.0
        y = x * mask[..., None] + (rng.normal(0, sigma / 255, x.shape) if sigma else 0)
        ops = [dict(name='BernoulliMask', drop=0.3, seed=i, mask=mask)]
        ops += [dict(name='GaussianNoise', sigma=sigma)] if sigma else []
        samples.append(RestorationDataSample(metainfo=dict(
            degradation_params=dict(name='Compose', ops=ops), input_shape=(side, side))))
        inputs.append(torch.from_numpy((y.transpose(2, 0, 1) - 0.5) / 0.5).float())
        masks.append(torch.from_numpy(mask).float()[None])
        sigmas.append(sigma)
    return torch.stack(inputs), samples, torch.stack(masks), torch.tensor(sigmas)


def time_rounds(runs: Dict[str, Callable[[], object]], rounds: int) -> Dict[str, List[float]]:
    """Seconds of each run per round, the runs alternating, after one warm-up each."""
    for run in runs.values():
        run()
    times: Dict[str, List[float]] = {name: [] for name in runs}
    for _ in range(rounds):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return times


def exporter():
    """tools/deployment/pytorch2onnx.py as a module (a script, not a package member)."""
    import importlib.util
    path = osp.join(REPO_ROOT, 'tools', 'deployment', 'pytorch2onnx.py')
    spec = importlib.util.spec_from_file_location('pytorch2onnx', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    sys.path.insert(0, REPO_ROOT)
    import numpy as np
    import onnxruntime
    import torch

    from irtoolbox.apis.inference import init_model
    from irtoolbox.utils.setup_env import init_weights_quietly
    torch.set_num_threads(args.threads)
    tool = exporter()
    config = osp.join(REPO_ROOT, args.config)
    torch.manual_seed(0)
    model = init_model(config)
    init_weights_quietly(model)
    model.eval()
    inputs, samples, masks, sigmas = degraded_batch(args.batch)
    with tempfile.TemporaryDirectory() as tmp:
        checkpoint, path = osp.join(tmp, 'model.pth'), osp.join(tmp, 'model.onnx')
        torch.save(dict(state_dict=model.state_dict()), checkpoint)
        tool.convert(config, checkpoint, path, tuple(inputs.shape[1:]), check=False,
                     observation='mask')
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = args.threads
        options.inter_op_num_threads = 1
        session = onnxruntime.InferenceSession(path, options,
                                               providers=['CPUExecutionProvider'])
    network = tool.build_network(model, 'mask')
    feeds = dict(input=inputs.numpy(), mask=masks.numpy(), sigma=sigmas.numpy())
    with torch.no_grad():
        runs = {
            'pytorch': lambda: model.forward_tensor(inputs, samples),
            'graph-pytorch': lambda: network(inputs, masks, sigmas),
            'onnxruntime': lambda: torch.from_numpy(session.run(None, feeds)[0]),
        }
        reference = runs['pytorch']()
        errors = {name: float((run() - reference).abs().max()) for name, run in runs.items()}
        times = time_rounds(runs, args.rounds)
    params = sum(p.numel() for p in model.parameters())
    print(f'{args.config}: {params / 1e6:.2f} M parameters, K = {model.head.num_steps}, batch '
          f'{args.batch} x {tuple(inputs.shape[1:])}, {args.threads} thread(s), '
          f'{args.rounds} rounds')
    base = min(times['pytorch'])
    print(f"{'run':14s} {'best ms':>9s} {'median ms':>10s} {'best / pytorch':>15s} "
          f"{'max |diff| vs pytorch':>22s}")
    for name, values in times.items():
        print(f'{name:14s} {1e3 * min(values):9.1f} {1e3 * statistics.median(values):10.1f} '
              f'{min(values) / base:15.2f} {errors[name]:22.2e}')
    print(f'(max |pytorch output| {float(np.abs(reference.numpy()).max()):.3g})')


if __name__ == '__main__':
    main()
