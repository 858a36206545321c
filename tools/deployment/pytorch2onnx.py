"""Export a trained restorer's network to ONNX, with dynamic batch, height and width.

    python tools/deployment/pytorch2onnx.py CONFIG CHECKPOINT OUT.onnx
        [--shape C H W] [--opset N] [--no-verify] [--observation mask]
        [--cfg-options k=v ...]

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

DL-Net models (``LikelihoodHead``, the mask-input ``SFTContextEncoderAE``)
read each sample's recorded degradation, which a one-input graph has not:
they are refused unless ``--observation mask`` is given. Then the graph takes
three inputs, ``input`` (as above), ``mask`` (``N x 1 x H x W``, 1 = observed
pixel, 0 = hole or padding) and ``sigma`` (``N``, the std of the input's
Gaussian noise in 0..255 units, 0 = none), and runs the head's K - 1 Adam
steps on z unrolled (each gradient is the head's own ``h^T(dL/dh)``: no
autograd); the metadata records these inputs. The SISR observation (blur +
bicubic down-sampling) is refused: its bicubic matrices depend on the image
size, so a dynamic-size graph cannot hold them, and its gradient goes
through autograd. A backbone with a fixed input side (part attribute
``input_size``: the context encoder's 64) is traced with a dynamic batch and
that side only, and checked on a second batch size instead of a second size.

A network with a part that cannot be exported is refused, naming the part
(its qualified module name and type) that was running when the exporter
failed. Needs the optional extra: ``pip install -e .[onnx]``.
"""
import argparse
import copy
import inspect
import io
import os
import os.path as osp
import sys
import warnings
from typing import Callable, Dict, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn

from irtoolbox.degradations.observation_model import ObservationModel
from irtoolbox.models.part_protocol import part_attribute, reads_context
from irtoolbox.models.plugins.plugin_stack import image_channels
from irtoolbox.utils.launch import load_config, one_line_errors

DEFAULT_SIDE = 64
TOLERANCE = 1e-4  # max abs difference between onnxruntime and PyTorch, normalised output
OBSERVATIONS = ('mask',)
INPUT_MEANINGS = dict(
    input='N x C x H x W normalised degraded batch, H and W padded to size_divisor',
    mask='N x 1 x H x W observed mask: 1 = observed pixel, 0 = hole or padding',
    sigma='N std of the Gaussian noise of each input in 0..255 units (0: none)')


class NetworkOnly(nn.Module):
    """``forward_tensor`` of a restorer as a plain module (losses, discriminator and
    preprocessor are no part of the exported graph)."""

    def __init__(self, restorer: nn.Module) -> None:
        super().__init__()
        self.backbone, self.neck, self.head = restorer.backbone, restorer.neck, restorer.head
        object.__setattr__(self, '_restorer', restorer)  # not a child: keeps losses out

    input_names = ('input',)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        """inputs: ``N x C x H x W`` normalised, padded batch. Returns the normalised output."""
        return self._restorer.forward_tensor(inputs)

    def example(self, shape: Tuple[int, int, int], batch: int,
                generator: torch.Generator) -> Dict[str, torch.Tensor]:
        """Seeded graph inputs: an image in [-1, 1]."""
        return dict(input=torch.rand(batch, *shape, generator=generator) * 2 - 1)


class MaskObservedNetwork(NetworkOnly):
    """A DL-Net restorer on ``(input, mask, sigma)``: its mask-only observation as
    graph inputs (:meth:`ObservationModel.from_masks`), the head's refinement
    unrolled (:meth:`LikelihoodHead.forward_observed`), a backbone that reads the
    mask (``SFTContextEncoderAE``) given it as ``observed_mask``."""

    input_names = ('input', 'mask', 'sigma')

    def __init__(self, restorer: nn.Module) -> None:
        super().__init__(restorer)
        self.backbone_reads_mask = reads_context(restorer.backbone, 'data_samples')

    def forward(self, inputs: torch.Tensor, mask: torch.Tensor,
                sigma: torch.Tensor) -> torch.Tensor:
        """inputs: ``N x C x H x W`` normalised, padded batch; mask: ``N x 1 x H x W``
        (1 = observed, 0 = hole or padding); sigma: ``N`` noise std, 0..255 units
        (0: none). Returns the normalised restoration."""
        observation = ObservationModel.from_masks(inputs, mask, sigma, self.head.normalize)
        with self._restorer.batch_context(inputs, None).active():
            features = self.backbone(inputs, observed_mask=mask) if self.backbone_reads_mask \
                else self.backbone(inputs)
            if self.neck is not None:
                features = self.neck(features)
            return self.head.forward_observed(features, inputs, observation)

    def example(self, shape: Tuple[int, int, int], batch: int,
                generator: torch.Generator) -> Dict[str, torch.Tensor]:
        """Seeded graph inputs: an image, a Bernoulli mask (30 % holes) and sigma
        25, 0, 25, ... (noisy and clean samples in one batch)."""
        inputs = super().example(shape, batch, generator)
        inputs['mask'] = (torch.rand(batch, 1, *shape[1:], generator=generator) >= 0.3).float()
        inputs['sigma'] = torch.tensor([25.0 * (1 - i % 2) for i in range(batch)])
        return inputs


def import_onnx_extra():
    """``(onnx, onnxruntime)``, or one error naming what to install."""
    try:
        import onnx
        import onnxruntime
    except ImportError as err:
        raise ImportError(f'ONNX export needs the onnx extra ({err.name} is missing): '
                          'pip install -e .[onnx]') from None
    return onnx, onnxruntime


def _sisr_problem(restorer: nn.Module) -> Optional[str]:
    """Why a restorer's observation cannot be a graph input: super-resolution
    (output larger than input, or h's bicubic skip of the input), else None."""
    layer = getattr(restorer.head, 'output_layer', None)
    if restorer.scale != 1 or getattr(layer, 'global_skip', None) == 'bicubic':
        return ('its observation is SISR (blur + bicubic down-sampling), which no '
                '--observation exports: the bicubic matrices depend on the image size (a '
                'dynamic-size graph cannot hold them) and its gradient needs autograd')
    return None


def refuse_unexportable_parts(model: nn.Module, observation: Optional[str] = None) -> None:
    """Refuse parts that read the batch's samples, unless ``observation`` gives
    their graph form (``'mask'``: :class:`MaskObservedNetwork`); then refuse
    what that form cannot hold."""
    if observation is not None and observation not in OBSERVATIONS:
        raise ValueError(f'--observation {observation!r}: one of {", ".join(OBSERVATIONS)}')
    readers = [(name, module) for name, module in model.named_modules()
               if name and reads_context(module, 'data_samples')]
    for name, module in readers:
        what = f'{name} ({type(module).__name__})'
        sisr = _sisr_problem(model) if name == 'head' else None
        if observation is None:
            advice = sisr or ('export it with --observation mask (the observed mask and the '
                              "noise sigma become graph inputs)")
            raise TypeError(f'cannot export {what}: it reads each sample\'s recorded '
                            'degradation, which an ONNX graph with one image input does not '
                            f'have; {advice}')
        if name == 'head':
            problem = sisr or (None if hasattr(module, 'forward_observed') else
                               'it has no forward_observed (mask, sigma as tensors)')
            problem = problem or module.traced_refinement_problem()
        elif name == 'backbone':
            problem = None if 'observed_mask' in inspect.signature(module.forward).parameters \
                else 'its forward takes no observed_mask'
        else:
            problem = 'only the backbone (observed_mask) and head read the mask input'
        if problem is not None:
            raise TypeError(f'cannot export {what} with --observation {observation}: {problem}')
    if observation is not None and not any(name == 'head' for name, _ in readers):
        raise TypeError(f'--observation {observation}: the model has no head that reads the '
                        'observation; export it without --observation')


def _captured_inputs(model: nn.Module, example: Sequence[torch.Tensor]) -> Dict[str, tuple]:
    """The positional tensor inputs of every submodule on one forward of ``example``."""
    captured: Dict[str, tuple] = {}
    def record(name: str) -> Callable:
        def hook(_module: nn.Module, args: tuple) -> None:
            # None: a pre-hook's return value would replace the module's input
            # (a module called twice would get its first call's input again)
            captured.setdefault(name, args)
        return hook
    handles = [module.register_forward_pre_hook(record(name))
               for name, module in model.named_modules() if name]
    try:
        with torch.no_grad():
            model(*example)
    finally:
        for handle in handles:
            handle.remove()
    return {name: args for name, args in captured.items()
            if args and all(torch.is_tensor(a) for a in args)}


def failing_part(model: nn.Module, example: Sequence[torch.Tensor], opset: int) -> str:
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


def _threshold_backward(g, grad, self, threshold):
    # aten::threshold_backward (the ReLU gradient the head writes out) has no ONNX
    # lowering: the same select, grad where self > threshold, else 0
    keep = g.op('Greater', self, g.op('CastLike', threshold, self))
    zero = g.op('CastLike', g.op('Constant', value_t=torch.tensor(0.0)), grad)
    return g.op('Where', keep, grad, zero)


def export(network: NetworkOnly, shape: Tuple[int, int, int], path: str, opset: int) -> None:
    """Trace ``network`` on batch-1 inputs of ``shape``; batch, H and W dynamic."""
    torch.onnx.register_custom_op_symbolic('aten::threshold_backward', _threshold_backward, 9)
    inputs = network.example(shape, 1, torch.Generator().manual_seed(0))
    # a backbone with one input side (part_attribute 'input_size') keeps H, W fixed
    fixed = fixed_side(network) is not None
    spatial = {0: 'batch'} if fixed else {0: 'batch', 2: 'height', 3: 'width'}
    axes = dict(input=spatial, mask=spatial, sigma={0: 'batch'},
                output={0: 'batch'} if fixed else {0: 'batch', 2: 'out_height', 3: 'out_width'})
    try:
        with torch.no_grad(), warnings.catch_warnings():
            # the TorchScript exporter: dynamic_axes without torch.export's shape guards
            warnings.simplefilter('ignore', DeprecationWarning)
            torch.onnx.export(network, tuple(inputs.values()), path,
                              input_names=list(network.input_names), output_names=['output'],
                              opset_version=opset, dynamo=False,
                              dynamic_axes={k: v for k, v in axes.items()
                                            if k in network.input_names or k == 'output'})
    except Exception as err:  # any exporter failure: name the part, keep the cause
        first_line = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        part = failing_part(network, tuple(inputs.values()), opset)
        raise RuntimeError(f'cannot export {part}: {first_line}') from err


def verify(network: NetworkOnly, path: str, shapes: Sequence[Tuple[int, int, int]],
           batches: Optional[Sequence[int]] = None) -> Dict[Tuple[int, int, int], Dict]:
    """onnxruntime vs PyTorch per input shape (seeded random inputs,
    :meth:`NetworkOnly.example`; ``batches``: the batch size of each, default 1).

    Returns ``{(N, C, H, W): dict(onnx=max |ort - torch|, float32=max |torch - torch
    in float64|, ok=...)}``. ``ok``: the ONNX output is within ``TOLERANCE`` of
    PyTorch's, or (for a network whose float32 rounding alone exceeds that) within
    twice PyTorch's own float32 error of the float64 result: as exact as PyTorch.
    """
    _, onnxruntime = import_onnx_extra()
    session = onnxruntime.InferenceSession(path, providers=['CPUExecutionProvider'])
    reference = copy.deepcopy(network).double()
    generator = torch.Generator().manual_seed(0)
    results = {}
    for shape, batch in zip(shapes, batches or [1] * len(shapes)):
        inputs = network.example(shape, batch, generator)
        with torch.no_grad():
            expected = network(*inputs.values()).numpy()
            exact = reference(*[t.double() for t in inputs.values()]).numpy()
        got = session.run(None, {k: t.numpy() for k, t in inputs.items()})[0]
        if got.shape != expected.shape:
            raise RuntimeError(f'ONNX output shape {got.shape} != PyTorch {expected.shape} '
                               f"for input {tuple(inputs['input'].shape)}")
        onnx_error = float(np.abs(got - expected).max())
        float32_error = float(np.abs(expected - exact).max())
        ok = onnx_error <= TOLERANCE or \
            float(np.abs(got - exact).max()) <= 2 * float32_error
        results[tuple(inputs['input'].shape)] = dict(onnx=onnx_error, float32=float32_error, ok=ok)
    return results


def add_metadata(path: str, restorer: nn.Module,
                 network: Optional[NetworkOnly] = None) -> None:
    """Record what the caller must do around the graph (pad, normalise, scale,
    the meaning of each input, a fixed input side)."""
    onnx, _ = import_onnx_extra()
    model = onnx.load(path)
    preprocessor = restorer.data_preprocessor
    facts = dict(size_divisor=restorer.size_divisor, scale=restorer.scale,
                 mean=getattr(preprocessor, 'mean', None), std=getattr(preprocessor, 'std', None))
    names = network.input_names if network is not None else ('input',)
    facts.update({f'input:{name}': INPUT_MEANINGS[name] for name in names})
    if isinstance(network, MaskObservedNetwork):
        head = restorer.head
        facts.update(observation='mask', num_steps=head.num_steps, step_size=head.step_size,
                     paste_observed=head.paste_observed)
    if fixed_side(restorer) is not None:
        facts['fixed_side'] = fixed_side(restorer)
    for key, value in facts.items():
        entry = model.metadata_props.add()
        entry.key = key
        entry.value = str(value.flatten().tolist() if torch.is_tensor(value) else value)
    onnx.save(model, path)


def second_shape(shape: Tuple[int, int, int], divisor: int) -> Tuple[int, int, int]:
    """Another size than the trace's (H and W swapped and grown by one divisor)."""
    channels, height, width = shape
    return channels, width + divisor, height + 2 * divisor


def fixed_side(model: nn.Module) -> Optional[int]:
    """The one input side the backbone of ``model`` (a restorer or :class:`NetworkOnly`)
    takes (the context encoder's channel-wise FC), or None."""
    return part_attribute(model.backbone, 'input_size')


def build_network(restorer: nn.Module, observation: Optional[str] = None) -> NetworkOnly:
    """The module to trace: :class:`NetworkOnly`, or :class:`MaskObservedNetwork`
    for ``observation='mask'``, after :func:`refuse_unexportable_parts`."""
    refuse_unexportable_parts(restorer, observation)
    wrapper = MaskObservedNetwork if observation == 'mask' else NetworkOnly
    return wrapper(restorer).eval()


def convert(config: str, checkpoint: str, out: str, shape: Optional[Sequence[int]] = None,
            opset: int = 17, check: bool = True, cfg_options: Optional[dict] = None,
            observation: Optional[str] = None) -> Dict:
    """Export and (with ``check``) verify; returns :func:`verify`'s results."""
    import_onnx_extra()  # before anything is built
    from irtoolbox.apis.inference import init_model
    cfg = load_config(config, cfg_options, work_dir=None)
    restorer = init_model(cfg, checkpoint)
    network = build_network(restorer, observation)
    divisor, side = restorer.size_divisor, fixed_side(restorer)
    if shape is None:
        shape = (image_channels(restorer.backbone), side or DEFAULT_SIDE, side or DEFAULT_SIDE)
    shape = tuple(int(v) for v in shape)
    if shape[1] % divisor or shape[2] % divisor:
        raise ValueError(f'--shape {shape}: H and W must be multiples of the model\'s '
                         f'size_divisor {divisor}')
    if side is not None and shape[1:] != (side, side):
        raise ValueError(f'--shape {shape}: the backbone {type(restorer.backbone).__name__} '
                         f'takes {side} x {side} inputs only (input_size)')
    # a fixed side: the second check is another batch size instead of another size
    checks = ([shape, shape], [1, 2]) if side is not None else \
        ([shape, second_shape(shape, divisor)], None)
    tmp = f'{out}.tmp-{os.getpid()}'
    try:
        export(network, shape, tmp, opset)
        errors = verify(network, tmp, *checks) if check else {}
        bad = {s: e for s, e in errors.items() if not e['ok']}
        if bad:
            raise RuntimeError(f'onnxruntime differs from PyTorch by more than {TOLERANCE} '
                               f'and than PyTorch\'s own float32 error: {bad}; nothing written')
        add_metadata(tmp, restorer, network)
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
    parser.add_argument('--observation', choices=OBSERVATIONS,
                        help="DL-Net: the observation as graph inputs ('mask': inputs mask "
                             'N x 1 x H x W and sigma N; the head\'s refinement unrolled)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args(argv)
    with one_line_errors('pytorch2onnx.py'):
        errors = convert(args.config, args.checkpoint, args.out, args.shape, args.opset,
                         not args.no_verify, args.cfg_options, args.observation)
        for shape, error in errors.items():
            print(f"input {' x '.join(map(str, shape))}: onnxruntime vs PyTorch "
                  f"max abs difference {error['onnx']:.2e} (PyTorch float32 vs float64: "
                  f"{error['float32']:.2e})")
        print(f'wrote {args.out}')
        sys.stdout.flush()


if __name__ == '__main__':
    main()
