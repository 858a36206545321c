"""Convert a rosinality/stylegan2-pytorch checkpoint (``.pt``: ``g_ema``,
``latent_avg``) into an irtoolbox checkpoint whose generator is ``StyleGAN2Generator``.

Key mapping per ../shared/reference/stylegan2/FACTS.md sec. 4: tensors are copied
as is, only leading singleton dims dropped; the blur kernels (4 x NVlabs'
``resample_filter``) are checked and dropped, the fixed ``resample_filter``
buffers come from the model; ``latent_avg`` becomes ``mapping.w_avg`` (the
truncation centre and the restorer's mean latent). Read with the safe loader.

    python tools/model_converters/stylegan2_rosinality.py IN.pt OUT.pth --config CONFIG
"""
import argparse
import re
import sys
from collections import OrderedDict
from typing import List, Mapping, Optional

import torch

from irtoolbox.models.generators.stylegan2 import fir_filter
from irtoolbox.utils.model_conversion import (
    ConversionError,
    Rule,
    build_model_from_config,
    conversion_meta,
    converter_parser,
    get_part,
    load_part_strictly,
    load_source,
    map_keys,
    save_converted,
)

CONVERTER = 'stylegan2_rosinality'
BLUR_KEY = r'(convs\.\d+\.conv\.blur|to_rgbs\.\d+\.upsample)\.kernel'


def rosinality_rules(num_blocks: int) -> List[Rule]:
    """Rules for a generator with blocks b4 .. b{2**(num_blocks+1)}."""
    layer = r'conv\.weight', r'conv\.modulation\.(weight|bias)', r'noise\.weight', \
        r'activate\.bias'
    rules: List[Rule] = [(r'style\.(\d+)\.(weight|bias)', r'mapping.fc\1.\2'),
                         (r'input\.input', 'synthesis.b4.const'),
                         (r'noises\.noise_0', 'synthesis.b4.conv1.noise_const')]

    def styled(src: str, dst: str) -> List[Rule]:
        return [(rf'{src}\.{layer[0]}', f'{dst}.weight'),
                (rf'{src}\.{layer[1]}', rf'{dst}.affine.\1'),
                (rf'{src}\.{layer[2]}', f'{dst}.noise_strength'),
                (rf'{src}\.{layer[3]}', f'{dst}.bias')]

    def torgb(src: str, dst: str) -> List[Rule]:
        return [(rf'{src}\.conv\.weight', f'{dst}.weight'),
                (rf'{src}\.conv\.modulation\.(weight|bias)', rf'{dst}.affine.\1'),
                (rf'{src}\.bias', f'{dst}.bias')]

    rules += styled('conv1', 'synthesis.b4.conv1') + torgb('to_rgb1', 'synthesis.b4.torgb')
    for k in range(num_blocks - 1):
        block = f'synthesis.b{2 ** (k + 3)}'
        rules += styled(rf'convs\.{2 * k}', f'{block}.conv0')
        rules += styled(rf'convs\.{2 * k + 1}', f'{block}.conv1')
        rules += torgb(rf'to_rgbs\.{k}', f'{block}.torgb')
        rules += [(rf'noises\.noise_{2 * k + 1}', f'{block}.conv0.noise_const'),
                  (rf'noises\.noise_{2 * k + 2}', f'{block}.conv1.noise_const')]
    return rules


def convert_rosinality(g_ema: Mapping[str, torch.Tensor], latent_avg: Optional[torch.Tensor],
                       target: Mapping[str, torch.Tensor]) -> 'OrderedDict[str, torch.Tensor]':
    """``g_ema`` (+ ``latent_avg``) -> the StyleGAN2Generator state dict ``target`` names."""
    blur = fir_filter() * 4
    state = OrderedDict()
    for key, value in g_ema.items():
        if re.fullmatch(BLUR_KEY, key):
            if not torch.allclose(value.float(), blur):
                raise ConversionError(f'{key}: blur kernel is not 4 x outer([1,3,3,1])/64')
            continue
        match = re.fullmatch(r'style\.(\d+)\.(weight|bias)', key)
        state[f'style.{int(match.group(1)) - 1}.{match.group(2)}' if match else key] = value
    num_blocks = sum(1 for k in target if re.fullmatch(r'synthesis\.b\d+\.torgb\.bias', k))
    mapped = map_keys(state, rosinality_rules(num_blocks))
    out = OrderedDict()
    for key, ref in target.items():
        if key.endswith('resample_filter'):
            out[key] = ref.clone()            # fixed buffer, not in rosinality's files
        elif key == 'mapping.w_avg':
            if latent_avg is None:
                raise ConversionError('checkpoint has no latent_avg (mapping.w_avg)')
            out[key] = latent_avg.reshape(ref.shape)
        elif key in mapped:
            value = mapped.pop(key)
            if value.numel() != ref.numel():
                raise ConversionError(f'{key}: {tuple(value.shape)} vs {tuple(ref.shape)}')
            out[key] = value.reshape(ref.shape)   # only leading singleton dims differ
    out.update(mapped)                        # leftovers: reported as unexpected
    return out


def main(argv: Optional[List[str]] = None) -> int:
    parser: argparse.ArgumentParser = converter_parser(__doc__.splitlines()[0])
    parser.add_argument('--part', default='generator', help="the model's StyleGAN2Generator")
    args = parser.parse_args(argv)
    try:
        source = load_source(args.src)
        if not isinstance(source, dict) or 'g_ema' not in source:
            raise ConversionError(f'{args.src}: no g_ema entry')
        model = build_model_from_config(args.config)
        part = get_part(model, args.part, args.config)
        state = convert_rosinality(source['g_ema'], source.get('latent_avg'), part.state_dict())
        load_part_strictly(part, state, f'{args.src} -> {args.part}')
        save_converted(args.dst, OrderedDict((f'{args.part}.{k}', v) for k, v in state.items()),
                       conversion_meta(args.src, CONVERTER, part=args.part))
    except ConversionError as error:
        print(f'{CONVERTER}.py: error: {error}', file=sys.stderr)
        return 1
    print(f'{CONVERTER}: converted {len(state)} tensors -> {args.dst}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
