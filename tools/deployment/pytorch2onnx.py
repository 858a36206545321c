"""Export a trained restorer's network to ONNX, with dynamic batch, height and width.

    python tools/deployment/pytorch2onnx.py CONFIG CHECKPOINT OUT.onnx
        [--shape C H W] [--opset N] [--no-verify] [--cfg-options k=v ...]

What is exported is ``Restorer.forward_tensor``: the backbone -> [neck] ->
[head] network on a *normalised, padded* batch (``N x C x H x W``, H and W
multiples of the model's ``size_divisor``), returning the normalised
restoration (``N x C x sH x sW``). Normalisation, padding, cropping and
denormalisation stay with the caller, as in ``irtoolbox.apis.restore_image``;
the ONNX file's metadata records ``size_divisor``, ``scale``, ``mean`` and
``std`` for that.

After export the file is run with onnxruntime on the trace input and a second
input of another size, and compared with PyTorch (``--no-verify`` skips this);
the file is written to a temporary name and renamed only once it passed, so
that no unverified file is left behind.

A network with a part that cannot be exported is refused, naming the part
(its qualified module name and type) that was running when the exporter
failed. Needs the optional extra: ``pip install -e .[onnx]``.
"""
import argparse
import copy
import io
import os
import os.path as osp
import sys
import warnings
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn

from irtoolbox.models.part_protocol import part_attribute
from irtoolbox.utils.launch import load_config, one_line_errors

DEFAULT_SIDE = 64
TOLERANCE = 1e-4  # max abs difference between onnxruntime and PyTorch, normalised output


class NetworkOnly(nn.Module):
    """``forward_tensor`` of a restorer as a plain module (losses, discriminator and
    preprocessor are no part of the exported graph)."""

    def __init__(self, restorer: nn.Module) -> None:
        super().__init__()
        self.backbone, self.neck, self.head = restorer.backbone, restorer.neck, restorer.head
        object.__setattr__(self, '_restorer', restorer)  # not a child: keeps losses out

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        """inputs: ``N x C x H x W`` normalised, padded batch. Returns the normalised output."""
        return self._restorer.forward_tensor(inputs)


def import_onnx_extra():
    """``(onnx, onnxruntime)``, or one error naming what to install."""
    try:
        import onnx
        import onnxruntime
    except ImportError as err:
        raise ImportError(f'ONNX export needs the onnx extra ({err.name} is missing): '
                          'pip install -e .[onnx]') from None
    return onnx, onnxruntime


def refuse_unexportable_parts(model: nn.Module) -> None:
    """Refuse parts that read the batch's samples: a graph has one image input."""
    for name, module in model.named_modules():
        if 'data_samples' in part_attribute(module, 'context_reads'):
            raise TypeError(f'cannot export {name} ({type(module).__name__}): it reads each '
                            "sample's recorded degradation, which an ONNX graph with one image "
                            'input does not have')


def _captured_inputs(model: nn.Module, example: torch.Tensor) -> Dict[str, tuple]:
    """The positional tensor inputs of every submodule on one forward of ``example``."""
    captured: Dict[str, tuple] = {}
    handles = [module.register_forward_pre_hook(
        lambda _m, args, name=name: captured.setdefault(name, args))
        for name, module in model.named_modules() if name]
    try:
        with torch.no_grad():
            model(example)
    finally:
        for handle in handles:
            handle.remove()
    return {name: args for name, args in captured.items()
            if args and all(torch.is_tensor(a) for a in args)}


def failing_part(model: nn.Module, example: torch.Tensor, opset: int) -> str:
    """``'name (Type)'`` of the deepest submodule that fails to export on its own.

    The TorchScript exporter traces the whole forward before it converts, so the
    failing op cannot be located while it runs; exporting each submodule alone
    on the input it received finds the part instead (only on the failure path).
    """
    modules = dict(model.named_modules())
    failing = []
    for name, args in _captured_inputs(model, example).items():
        try:
            with torch.no_grad(), warnings.catch_warnings():
                warnings.simplefilter('ignore')
                torch.onnx.export(modules[name], args, io.BytesIO(), opset_version=opset,
                                  dynamo=False)
        except Exception:  # noqa: BLE001 - any failure marks the part
            failing.append(name)
    if not failing:
        return '<model>'
    deepest = max(failing, key=lambda n: n.count('.'))
    return f'{deepest} ({type(modules[deepest]).__name__})'


def export(network: NetworkOnly, shape: Tuple[int, int, int], path: str, opset: int) -> None:
    """Trace ``network`` on a ``1 x C x H x W`` input; batch, H and W dynamic."""
    example = torch.zeros(1, *shape)
    try:
        with torch.no_grad(), warnings.catch_warnings():
            # the TorchScript exporter: dynamic_axes without torch.export's shape guards
            warnings.simplefilter('ignore', DeprecationWarning)
            torch.onnx.export(network, (example,), path, input_names=['input'],
                              output_names=['output'], opset_version=opset, dynamo=False,
                              dynamic_axes={'input': {0: 'batch', 2: 'height', 3: 'width'},
                                            'output': {0: 'batch', 2: 'out_height',
                                                       3: 'out_width'}})
    except Exception as err:  # any exporter failure: name the part, keep the cause
        first_line = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise RuntimeError(f'cannot export {failing_part(network, example, opset)}: '
                           f'{first_line}') from err


def verify(network: NetworkOnly, path: str,
           shapes: Sequence[Tuple[int, int, int]]) -> Dict[Tuple[int, int, int], Dict]:
    """onnxruntime vs PyTorch per input shape (seeded random input in [-1, 1]).

    Returns ``{shape: dict(onnx=max |ort - torch|, float32=max |torch - torch
    in float64|, ok=...)}``. ``ok``: the ONNX output is within ``TOLERANCE`` of
    PyTorch's, or (for a network whose float32 rounding alone exceeds that) within
    twice PyTorch's own float32 error of the float64 result: as exact as PyTorch.
    """
    _, onnxruntime = import_onnx_extra()
    session = onnxruntime.InferenceSession(path, providers=['CPUExecutionProvider'])
    reference = copy.deepcopy(network).double()
    generator = torch.Generator().manual_seed(0)
    results = {}
    for shape in shapes:
        x = torch.rand(1, *shape, generator=generator) * 2 - 1
        with torch.no_grad():
            expected = network(x).numpy()
            exact = reference(x.double()).numpy()
        got = session.run(None, {'input': x.numpy()})[0]
        if got.shape != expected.shape:
            raise RuntimeError(f'ONNX output shape {got.shape} != PyTorch {expected.shape} '
                               f'for input {tuple(x.shape)}')
        onnx_error = float(np.abs(got - expected).max())
        float32_error = float(np.abs(expected - exact).max())
        ok = onnx_error <= TOLERANCE or \
            float(np.abs(got - exact).max()) <= 2 * float32_error
        results[shape] = dict(onnx=onnx_error, float32=float32_error, ok=ok)
    return results


def add_metadata(path: str, restorer: nn.Module) -> None:
    """Record what the caller must do around the graph (pad, normalise, scale)."""
    onnx, _ = import_onnx_extra()
    model = onnx.load(path)
    preprocessor = restorer.data_preprocessor
    facts = dict(size_divisor=restorer.size_divisor, scale=restorer.scale,
                 mean=getattr(preprocessor, 'mean', None), std=getattr(preprocessor, 'std', None))
    for key, value in facts.items():
        entry = model.metadata_props.add()
        entry.key = key
        entry.value = str(value.flatten().tolist() if torch.is_tensor(value) else value)
    onnx.save(model, path)


def second_shape(shape: Tuple[int, int, int], divisor: int) -> Tuple[int, int, int]:
    """Another size than the trace's (H and W swapped and grown by one divisor)."""
    channels, height, width = shape
    return channels, width + divisor, height + 2 * divisor


def convert(config: str, checkpoint: str, out: str, shape: Optional[Sequence[int]] = None,
            opset: int = 17, check: bool = True, cfg_options: Optional[dict] = None) -> Dict:
    """Export and (with ``check``) verify; returns :func:`verify`'s results."""
    import_onnx_extra()  # before anything is built
    from irtoolbox.apis.inference import init_model
    cfg = load_config(config, cfg_options, work_dir=None)
    restorer = init_model(cfg, checkpoint)
    refuse_unexportable_parts(restorer)
    network = NetworkOnly(restorer).eval()
    divisor = restorer.size_divisor
    if shape is None:
        first = next((m for m in restorer.backbone.modules() if isinstance(m, nn.Conv2d)), None)
        shape = (first.in_channels if first is not None else 3, DEFAULT_SIDE, DEFAULT_SIDE)
    shape = tuple(int(v) for v in shape)
    if shape[1] % divisor or shape[2] % divisor:
        raise ValueError(f'--shape {shape}: H and W must be multiples of the model\'s '
                         f'size_divisor {divisor}')
    tmp = f'{out}.tmp-{os.getpid()}'
    try:
        export(network, shape, tmp, opset)
        errors = verify(network, tmp, [shape, second_shape(shape, divisor)]) if check else {}
        bad = {s: e for s, e in errors.items() if not e['ok']}
        if bad:
            raise RuntimeError(f'onnxruntime differs from PyTorch by more than {TOLERANCE} '
                               f'and than PyTorch\'s own float32 error: {bad}; nothing written')
        add_metadata(tmp, restorer)
        os.replace(tmp, out)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
    return errors


def main(argv: Optional[Sequence[str]] = None) -> None:
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(description='Export a restorer to ONNX')
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('out', help='the .onnx file to write')
    parser.add_argument('--shape', type=int, nargs=3, metavar=('C', 'H', 'W'),
                        help='trace input (default: first conv channels, 64, 64)')
    parser.add_argument('--opset', type=int, default=17)
    parser.add_argument('--no-verify', action='store_true',
                        help='skip the onnxruntime comparison')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args(argv)
    with one_line_errors('pytorch2onnx.py'):
        errors = convert(args.config, args.checkpoint, args.out, args.shape, args.opset,
                         not args.no_verify, args.cfg_options)
        for shape, error in errors.items():
            print(f'input 1 x {shape[0]} x {shape[1]} x {shape[2]}: onnxruntime vs PyTorch '
                  f"max abs difference {error['onnx']:.2e} (PyTorch float32 vs float64: "
                  f"{error['float32']:.2e})")
        print(f'wrote {args.out}')
        sys.stdout.flush()


if __name__ == '__main__':
    main()
