"""Convert an NVlabs stylegan2-ada-pytorch network snapshot (``.pkl``) into an
irtoolbox checkpoint whose generator is ``StyleGAN2Generator``.

The pickle is read by :mod:`irtoolbox.utils.nvlabs_pickle` (a restricted
unpickler: the module source embedded in the snapshot never runs). Keys are
NVlabs' own, so the state dict is copied as is. The pickled init kwargs must
agree with the config's generator (resolution, channels, clamp, fp16 blocks...):
a difference is refused, naming the kwarg.

    python tools/model_converters/stylegan2_nvlabs.py IN.pkl OUT.pth --config CONFIG \
        [--key G_ema] [--part generator]
"""
import sys
from collections import OrderedDict
from typing import List, Optional

from irtoolbox.utils.model_conversion import (
    ConversionError,
    build_model_from_config,
    conversion_meta,
    converter_parser,
    get_part,
    load_part_strictly,
    save_converted,
)
from irtoolbox.utils.nvlabs_pickle import (
    NVlabsPickleError,
    flat_state_dict,
    generator_kwargs,
    network_record,
)

CONVERTER = 'stylegan2_nvlabs'


def check_kwargs(pickled: dict, part: object) -> None:
    """The pickled generator's kwargs against the built generator's settings."""
    built = dict(resolution=part.img_resolution, z_dim=part.z_dim, w_dim=part.w_dim,
                 conv_clamp=part.conv_clamp, num_fp16_res=part.num_fp16_res)
    for key, value in built.items():
        if key in pickled and pickled[key] != value:
            raise ConversionError(f'pickled generator has {key}={pickled[key]!r}, the config\'s '
                                  f'{value!r}')


def main(argv: Optional[List[str]] = None) -> int:
    parser = converter_parser(__doc__.splitlines()[0])
    parser.add_argument('--key', default='G_ema', help="network of the snapshot (default G_ema)")
    parser.add_argument('--part', default='generator',
                        help="the model's StyleGAN2Generator ('' = the model itself)")
    args = parser.parse_args(argv)
    try:
        record = network_record(args.src, args.key)
        if record.class_name != 'Generator':
            raise ConversionError(f'{args.src}: {args.key} is a {record.class_name}')
        model = build_model_from_config(args.config)
        part = get_part(model, args.part, args.config)
        check_kwargs(generator_kwargs(dict(record.state.get('_init_kwargs') or {})), part)
        state = flat_state_dict(record)
        load_part_strictly(part, state, f'{args.src} -> {args.part or "model"}')
        prefix = f'{args.part}.' if args.part else ''
        save_converted(args.dst, OrderedDict((prefix + k, v) for k, v in state.items()),
                       conversion_meta(args.src, CONVERTER, part=args.part, key=args.key))
    except (ConversionError, NVlabsPickleError, KeyError, ValueError) as error:
        print(f'{CONVERTER}.py: error: {error}', file=sys.stderr)
        return 1
    print(f'{CONVERTER}: converted {len(state)} tensors -> {args.dst}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
