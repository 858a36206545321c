"""Convert a released swz30/Restormer checkpoint (``{'params': state dict}``)
into an irtoolbox checkpoint for a config whose backbone is ``Restormer``.

Zamir et al., "Restormer", CVPR 2022. The four released shapes map by the
same rules: WithBias / BiasFree LayerNorm (the LayerNorm ``bias`` keys are
present or not), grey 1 -> 1, and dual-pixel (``skip_conv``; its config sets
``dual_pixel=True``). docs/model_zoo.md lists the released files.

    python tools/model_converters/restormer_official.py IN.pth OUT.pth --config CONFIG
"""
import sys
from typing import List, Optional

from irtoolbox.utils.model_conversion import Rule, converter_main, converter_parser

CONVERTER = 'restormer_official'

#: published stage name -> irtoolbox module path
STAGES = {'encoder_level1': 'encoders.0', 'encoder_level2': 'encoders.1',
          'encoder_level3': 'encoders.2', 'latent': 'latent',
          'decoder_level3': 'decoders.2', 'decoder_level2': 'decoders.1',
          'decoder_level1': 'decoders.0', 'refinement': 'refinement'}
#: published down/up-sampler -> irtoolbox module list entry
RESAMPLERS = {'down1_2': 'downs.0', 'down2_3': 'downs.1', 'down3_4': 'downs.2',
              'up2_1': 'ups.0', 'up3_2': 'ups.1', 'up4_3': 'ups.2'}


def restormer_rules() -> List[Rule]:
    """Ordered rules, published name -> ours. Inside a block ``attn.*`` and
    ``ffn.*`` keep their names; the LayerNorm's ``body`` wrapper is dropped."""
    rules: List[Rule] = [(r'patch_embed\.proj\.(weight)', r'patch_embed.\1')]
    for stage, ours in STAGES.items():
        rules.append((rf'{stage}\.(\d+)\.(norm[12])\.body\.(weight|bias)', rf'{ours}.\1.\2.\3'))
        rules.append((rf'{stage}\.(\d+)\.((?:attn|ffn)\..+)', rf'{ours}.\1.\2'))
    for name, ours in RESAMPLERS.items():
        rules.append((rf'{name}\.body\.0\.(weight)', rf'{ours}.0.\1'))
    rules += [(r'reduce_chan_level3\.(weight|bias)', r'reduce_chan.2.\1'),
              (r'reduce_chan_level2\.(weight|bias)', r'reduce_chan.1.\1'),
              (r'(skip_conv|output)\.(weight|bias)', r'\1.\2')]
    return rules


def main(argv: Optional[List[str]] = None) -> int:
    parser = converter_parser(__doc__.splitlines()[0])
    parser.add_argument('--part', default='backbone',
                        help="the model's Restormer (default: 'backbone' of a Restorer)")
    return converter_main(argv, CONVERTER, lambda a: [(a.src, a.part, restormer_rules())],
                          parser, containers=('params', 'params_ema', 'state_dict'))


if __name__ == '__main__':
    sys.exit(main())
