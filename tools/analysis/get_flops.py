"""Parameters and multiply-adds of a config's restoration network, per module.

    python tools/analysis/get_flops.py CONFIG [--shape C H W] [--max-depth D]
                                              [--cfg-options k=v ...]

What is counted is the inference path of a ``Restorer`` (and its subclasses):
``forward_tensor`` = backbone -> [neck] -> [head] on one ``1 x C x H x W``
input. Losses, discriminators and data preprocessors are not part of it and
are left out of the parameter count too.

The counter is mmengine's ``get_model_complexity_info`` (fvcore's jit-traced
``FlopAnalyzer``), which counts one fused multiply-add as one operation: the
figure it calls "flops" is the number of multiply-accumulates (MACs), the
unit restoration papers report as "FLOPs" (e.g. Restormer's 141 G at
256 x 256). Element-wise ops (activations, additions, softmax) are not
counted; mmengine names the ops it skipped in a warning.
"""
import argparse
import sys
from typing import Optional, Sequence, Tuple

import torch
import torch.nn as nn

from irtoolbox.models.part_protocol import reads_context
from irtoolbox.utils.launch import load_config, one_line_errors

DEFAULT_SIDE = 256  # the input side of most restoration papers' complexity tables


class InferencePath(nn.Module):
    """The modules ``Restorer.forward_tensor`` runs, as one module to analyse.

    Only backbone, neck and head are registered children, so that the
    parameter count and the per-module table hold exactly what inference runs.
    """

    def __init__(self, restorer: nn.Module) -> None:
        super().__init__()
        self.backbone = restorer.backbone
        self.neck = restorer.neck
        self.head = restorer.head
        # not a child: its losses / discriminator must stay out of the count
        object.__setattr__(self, '_restorer', restorer)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        """inputs: ``1 x C x H x W`` normalised image. Returns the restorer's tensor output."""
        return self._restorer.forward_tensor(inputs)


def default_shape(backbone: nn.Module) -> Tuple[int, int, int]:
    """``(C, 256, 256)``, C the channels of the image the backbone takes
    (:func:`~irtoolbox.models.plugins.plugin_stack.image_channels`)."""
    from irtoolbox.models.plugins.plugin_stack import image_channels
    return image_channels(backbone), DEFAULT_SIDE, DEFAULT_SIDE


def build_inference_path(model: nn.Module) -> InferencePath:
    """Check that ``model`` is a restorer whose forward needs only the image."""
    from irtoolbox.models.restorers.restorer import Restorer
    if not isinstance(model, Restorer):
        raise TypeError(f'the model is a {type(model).__name__}, not a Restorer: '
                        'only restorers (backbone -> [neck] -> [head]) are counted')
    backbone, head = model.backbone, model.head
    if reads_context(backbone, 'data_samples'):
        raise TypeError(f"the backbone {type(backbone).__name__} reads each sample's recorded "
                        'degradation; it cannot be counted from a shape alone')
    # K = 1 of a likelihood head is the plain h(g(y)): it reads no sample
    if head is not None and reads_context(head, 'data_samples') and \
            getattr(head, 'num_steps', None) != 1:
        raise TypeError(f'the head {type(head).__name__} refines with each sample\'s recorded '
                        'degradation, which a shape alone does not give; count g + h with '
                        '--cfg-options model.head.num_steps=1 (each further step adds about '
                        'one pass of h and of its transpose)')
    return InferencePath(model).eval()


def check_shape(shape: Sequence[int], size_divisor: int) -> Tuple[int, int, int]:
    """``shape`` as ``(C, H, W)``, refused when H or W is no multiple of ``size_divisor``."""
    if len(shape) != 3 or min(shape) <= 0:
        raise ValueError(f'--shape takes three positive numbers C H W, got {list(shape)}')
    channels, height, width = (int(v) for v in shape)
    if height % size_divisor or width % size_divisor:
        raise ValueError(f'--shape {channels} {height} {width}: the model needs H and W that '
                         f'are multiples of {size_divisor} (its size_divisor)')
    return channels, height, width


def analyse(path: InferencePath, shape: Tuple[int, int, int]):
    """mmengine's ``FlopAnalyzer`` (what ``get_model_complexity_info`` runs) on zeros."""
    from mmengine.analysis import FlopAnalyzer
    analyzer = FlopAnalyzer(path, (torch.zeros(1, *shape),))
    # the skipped element-wise ops are listed once in the module docstring instead
    return analyzer.unsupported_ops_warnings(False).uncalled_modules_warnings(False)


def per_module_table(analyzer, max_depth: int) -> str:
    """Parameters and MACs per module, down to ``max_depth``."""
    from mmengine.analysis.print_helper import complexity_stats_table
    with torch.no_grad():
        table = complexity_stats_table(analyzer, max_depth=max_depth, show_param_shapes=False)
    return table.replace('| #flops ', '| #MACs  ')  # mmengine's "flops" are multiply-adds


def readable(count: int) -> str:
    """``count`` with the largest of G, M, K that keeps it at least 1."""
    for unit, size in (('G', 1e9), ('M', 1e6), ('K', 1e3)):
        if count >= size:
            return f'{count / size:.2f} {unit}'
    return str(count)


def count(config: str, shape: Optional[Sequence[int]] = None,
          cfg_options: Optional[dict] = None) -> Tuple[object, Tuple[int, int, int], int, int]:
    """Build the config's model; return (analyzer, shape, parameters, MACs)."""
    from irtoolbox.apis.inference import init_model
    cfg = load_config(config, cfg_options, work_dir=None)
    path = build_inference_path(init_model(cfg))
    shape = check_shape(shape or default_shape(path.backbone), path._restorer.size_divisor)
    analyzer = analyse(path, shape)
    with torch.no_grad():
        macs = int(analyzer.total())
    params = sum(p.numel() for p in path.parameters())
    return analyzer, shape, params, macs


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(description='Parameters and multiply-adds of a model')
    parser.add_argument('config', help='config file')
    parser.add_argument('--shape', type=int, nargs=3, metavar=('C', 'H', 'W'),
                        help="input shape (default: the backbone's first conv's input "
                             'channels, 256, 256)')
    parser.add_argument('--max-depth', type=int, default=3,
                        help='module depth of the per-module table (default 3)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config keys, e.g. model.backbone.dim=48')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> None:
    args = parse_args(argv)
    with one_line_errors('get_flops.py'):
        analyzer, shape, params, macs = count(args.config, args.shape, args.cfg_options)
        print(per_module_table(analyzer, args.max_depth))
        print(f'\nInput shape: {shape[0]} x {shape[1]} x {shape[2]}')
        print(f'Multiply-adds (MACs, "FLOPs" in papers): {readable(macs)} ({macs:,})')
        print(f'Parameters: {readable(params)} ({params:,})')
        sys.stdout.flush()


if __name__ == '__main__':
    main()
