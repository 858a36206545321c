"""Convert released pix2pix networks (junyanz/pytorch-CycleGAN-and-pix2pix,
``latest_net_G.pth`` / ``latest_net_D.pth``: bare state dicts) into an
irtoolbox checkpoint: ``unet_256`` / ``unet_128`` generators into
``UNetGenerator`` (depth 8 / 7) and ``basic`` discriminators into
``PatchDiscriminator``, BatchNorm running statistics included.

Isola et al., "Image-to-Image Translation with Conditional Adversarial
Networks", CVPR 2017. The released U-Net nests one ``UnetSkipConnectionBlock``
per level (``model.model.1.model.3.model.3...``); ours lists the levels
(``encoders.k`` / ``decoders.k``, k = 0 outermost).

    python tools/model_converters/pix2pix_official.py latest_net_G.pth OUT.pth --config CONFIG \
        [--discriminator latest_net_D.pth]
    python tools/model_converters/pix2pix_official.py latest_net_D.pth OUT.pth --config CONFIG \
        --kind discriminator
"""
import argparse
import re
import sys
from typing import List, Optional, Sequence, Tuple

import torch.nn as nn

from irtoolbox.utils.model_conversion import (
    ConversionError,
    Rule,
    RuleSource,
    converter_main,
    converter_parser,
)

CONVERTER = 'pix2pix_official'


def _block_prefix(level: int) -> str:
    """Key prefix of the released U-Net's block at ``level`` (0: outermost)."""
    return 'model.model.' if level == 0 else 'model.model.1' + '.model.3' * (level - 1) + '.model.'


def unet_rules(generator: nn.Module) -> List[Rule]:
    """Rules for a released U-Net of the target's depth. In a block's
    ``nn.Sequential``: outermost [downconv, submodule, ReLU, upconv, Tanh];
    middle [LeakyReLU, downconv, norm, submodule, ReLU, upconv, norm(, Dropout)];
    innermost [LeakyReLU, downconv, ReLU, upconv, norm]."""
    depth = getattr(generator, 'depth', None)
    if depth is None:
        raise ConversionError(f'pix2pix generator target must be a UNetGenerator, got '
                              f'{type(generator).__name__}')
    rules: List[Rule] = []
    for level in range(depth):
        p = re.escape(_block_prefix(level))
        if level == 0:
            pairs = [('0', 'encoders.0.0'), ('3', 'decoders.0.1')]
        elif level < depth - 1:
            pairs = [('1', f'encoders.{level}.1'), ('2', f'encoders.{level}.2'),
                     ('5', f'decoders.{level}.1'), ('6', f'decoders.{level}.2')]
        else:
            pairs = [('1', f'encoders.{level}.1'), ('3', f'decoders.{level}.1'),
                     ('4', f'decoders.{level}.2')]
        rules += [(rf'{p}{index}\.([a-z_]+)', rf'{ours}.\1') for index, ours in pairs]
    return rules


#: the released NLayerDiscriminator and ours share their ``model.N`` names
DISCRIMINATOR_RULES: List[Rule] = [(r'(model\.\d+\.[a-z_]+)', r'\1')]


def sources(args: argparse.Namespace) -> Sequence[Tuple[str, str, RuleSource]]:
    if args.kind == 'discriminator':
        return [(args.src, args.discriminator_part, DISCRIMINATOR_RULES)]
    entries: List[Tuple[str, str, RuleSource]] = [(args.src, args.generator_part, unet_rules)]
    if args.discriminator:
        entries.append((args.discriminator, args.discriminator_part, DISCRIMINATOR_RULES))
    return entries


def main(argv: Optional[List[str]] = None) -> int:
    parser = converter_parser(__doc__.splitlines()[0])
    parser.add_argument('--kind', choices=('generator', 'discriminator'), default='generator',
                        help='what SRC is (default: generator)')
    parser.add_argument('--discriminator', help='also convert this released latest_net_D.pth')
    parser.add_argument('--generator-part', default='backbone',
                        help="the model's UNetGenerator (default: 'backbone')")
    parser.add_argument('--discriminator-part', default='discriminator',
                        help="the model's PatchDiscriminator (default: 'discriminator')")
    return converter_main(argv, CONVERTER, sources, parser, containers=('state_dict',))


if __name__ == '__main__':
    sys.exit(main())
