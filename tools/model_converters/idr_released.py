"""Convert a released IDR checkpoint (JingHao99/IDR-Ingredients-oriented-Degradation-
Reformulation: a ``.ckpt`` / ``.pth`` holding the ``IDR_restormer`` state dict, bare
or under ``params`` / ``state_dict`` / ``model``) into an irtoolbox checkpoint for a
config whose backbone is ``IDRReleased``.

Zhang et al., CVPR 2023. The Restormer part maps by ``restormer_official``'s rules
(key for key); the prior blocks ``kdp_level{1,2,3}`` -> ``prior_blocks.{0,1,2}``
(inside them only the LayerNorms' ``body`` wrapper is dropped), ``degra_key`` -> ``hub``,
``dmixer`` -> ``mixer``. The released task ids (hub rows, classifier classes:
denoise 0, derain 1, dehaze 2, deblur 3, low light 4) are irtoolbox's ``task_idx``
unchanged (``RELEASED_TASK_IDS``). Strict: a missing, extra or mis-shaped tensor
stops the conversion before anything is written.

    python tools/model_converters/idr_released.py IN.ckpt OUT.pth --config CONFIG
"""
import importlib.util
import os.path as osp
import sys
from typing import List, Optional

from irtoolbox.utils.model_conversion import Rule, converter_main, converter_parser

CONVERTER = 'idr_released'

#: released task name -> (released id, irtoolbox task_idx); 'clean' has no hub row
RELEASED_TASK_IDS = {'denoise': (0, 0), 'derain': (1, 1), 'dehaze': (2, 2), 'deblur': (3, 3),
                     'delowlight': (4, 4)}


def _restormer_rules() -> List[Rule]:
    """The Restormer part's rules, from the sibling converter (not repeated here)."""
    path = osp.join(osp.dirname(osp.abspath(__file__)), 'restormer_official.py')
    spec = importlib.util.spec_from_file_location('restormer_official', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.restormer_rules()


def idr_released_rules() -> List[Rule]:
    """Ordered rules, released name -> ours (first full match wins)."""
    rules: List[Rule] = [(r'degra_key', 'hub'), (r'dmixer\.(conv[UV]\.(?:weight|bias))',
                                                 r'mixer.\1')]
    for level in (1, 2, 3):
        ours = f'prior_blocks.{level - 1}'
        rules.append((rf'kdp_level{level}\.(norm[12])\.body\.(weight|bias)', rf'{ours}.\1.\2'))
        rules.append((rf'kdp_level{level}\.(.+)', rf'{ours}.\1'))
    return rules + _restormer_rules()


def main(argv: Optional[List[str]] = None) -> int:
    parser = converter_parser(__doc__.splitlines()[0])
    parser.add_argument('--part', default='backbone',
                        help="the model's IDRReleased (default: 'backbone' of a restorer)")
    return converter_main(argv, CONVERTER, lambda a: [(a.src, a.part, idr_released_rules())],
                          parser, containers=('params', 'state_dict', 'model'))


if __name__ == '__main__':
    sys.exit(main())
