"""Convert RankIQA's released Caffe model (xialeiliu/RankIQA, ``FT_live.caffemodel``)
into the weights of the ``RankIQA`` metric (``RankIQANet``).

Liu et al., "RankIQA: Learning from Rankings for No-reference Image Quality
Assessment", ICCV 2017. The ``.caffemodel`` is read as data by
``irtoolbox.utils.caffemodel`` (no Caffe, no protobuf, nothing executed).
Each ``conv*`` / ``fc*`` layer's two blobs become ``<layer>.weight`` and
``<layer>.bias``; Caffe's shapes are torch's (convolution ``out x in x kh x
kw``, inner product ``out x in``, and ``fc6``'s input is pool5 flattened as
C, H, W, as torch flattens ``N x C x H x W``), except legacy 4-D blobs
(``1 x 1 x out x in``), whose leading ones are dropped. The network's widths
are read from the blobs; the result loads strictly into ``RankIQANet``.

    python tools/model_converters/rankiqa_caffe.py FT_live.caffemodel \
        checkpoints/metrics/rankiqa_ft_live.pth
"""
import argparse
import re
import sys
from collections import OrderedDict
from typing import Dict, List, Optional

import numpy as np
import torch

from irtoolbox.evaluation.metrics.rankiqa import RankIQANet, widths_of_state
from irtoolbox.utils.caffemodel import CaffeModelError, read_caffemodel
from irtoolbox.utils.model_conversion import (
    ConversionError,
    check_state_dict,
    conversion_meta,
    count_parameters,
    save_converted,
)

CONVERTER = 'rankiqa_caffe'
LAYER = re.compile(r'(conv\d+_\d+|fc\d+)')
TARGET_NDIM = {'conv': 4, 'fc': 2}


def _drop_leading_ones(array: np.ndarray, ndim: int, key: str) -> np.ndarray:
    """A legacy 4-D blob (``1 x 1 x out x in``) in the ``ndim`` torch wants."""
    shape = list(array.shape)
    while len(shape) > ndim and shape[0] == 1:
        shape.pop(0)
    if len(shape) != ndim:
        raise ConversionError(f'{key}: blob of shape {array.shape} is not {ndim}-D')
    return array.reshape(shape)


def caffe_to_state_dict(layers: Dict[str, List[np.ndarray]], source: str
                        ) -> 'OrderedDict[str, torch.Tensor]':
    """``{layer: [weight, bias]}`` blobs -> ``{layer.weight, layer.bias}`` float32 tensors.

    Raises:
        ConversionError: a layer with blobs that is not ``conv*`` / ``fc*``, or
            without exactly two blobs.
    """
    state: 'OrderedDict[str, torch.Tensor]' = OrderedDict()
    for name, blobs in layers.items():
        if not LAYER.fullmatch(name):
            raise ConversionError(f'{source}: layer {name!r} holds weights but RankIQANet has no '
                                  f'such layer (it has conv1_1..conv5_3, fc6..fc8)')
        if len(blobs) != 2:
            raise ConversionError(f'{source}: layer {name!r} has {len(blobs)} blobs, '
                                  f'expected 2 (weight, bias)')
        kind = 'fc' if name.startswith('fc') else 'conv'
        weight = _drop_leading_ones(blobs[0], TARGET_NDIM[kind], f'{name}.weight')
        bias = _drop_leading_ones(blobs[1], 1, f'{name}.bias')
        state[f'{name}.weight'] = torch.from_numpy(weight.astype(np.float32))
        state[f'{name}.bias'] = torch.from_numpy(bias.astype(np.float32))
    return state


def convert(src: str, dst: str) -> 'OrderedDict[str, torch.Tensor]':
    """Read ``src``, build a ``RankIQANet`` of its widths, load strictly, write ``dst``."""
    try:
        layers = read_caffemodel(src)
    except (CaffeModelError, FileNotFoundError) as error:
        raise ConversionError(str(error)) from None
    state = caffe_to_state_dict(layers, src)
    try:
        widths, fc_channels = widths_of_state(state)
    except KeyError as error:
        raise ConversionError(f'{src}: {error.args[0]}') from None
    network = RankIQANet(widths, fc_channels)
    check_state_dict(network.state_dict(), state, f'{src} -> RankIQANet{widths}, fc {fc_channels}')
    network.load_state_dict(state, strict=True)
    save_converted(dst, state, conversion_meta(src, CONVERTER, widths=list(widths),
                                               fc_channels=fc_channels))
    tensors, params = count_parameters(state)
    print(f'{CONVERTER}: converted {tensors} tensors, {params:,} parameters -> {dst}')
    return state


def main(argv: Optional[List[str]] = None) -> int:
    """``IN.caffemodel OUT.pth``; 0 on success, 1 with the message on stderr."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('src', help="the release's .caffemodel (read as data, nothing executed)")
    parser.add_argument('dst', help='weights file of the RankIQA metric to write')
    args = parser.parse_args(argv)
    try:
        convert(args.src, args.dst)
    except ConversionError as error:
        print(f'{CONVERTER}: {error}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
