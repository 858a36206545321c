"""Restore your own images with a trained model.

    python tools/infer.py CONFIG CHECKPOINT INPUT OUTPUT [--tile 512] [--tile-overlap 32]
                          [--device cpu|cuda] [--unsafe-load] [--ext png] [--right RIGHT]
                          [--hole-mask MASK] [--noise-sigma S] [--cfg-options k=v ...]

CHECKPOINT may be ``none`` for a model whose weights the config names itself
(the latent restorer: ``--cfg-options model.generator_checkpoint=PATH``).
Which tool serves which model: docs/inference.md. The degradation density model
restores nothing and is refused before anything is built (use
tools/analysis/sample_degradations.py).

``--right`` (dual-pixel models such as Restormer's): INPUT is the left view,
RIGHT the right view, stacked as 6 channels [left RGB, right RGB].

``--hole-mask`` (models that read each image's degradation: DL-Net's
likelihood head, the SFT context encoder): MASK is an image of INPUT's size,
nonzero (white) where a pixel is missing; for a folder or pattern INPUT, a
folder holding one mask per input under the input's file name.
``--noise-sigma`` gives the input's Gaussian noise (0..255 units). The head
then refines with the likelihood of the observed pixels (Eq. 4-5) instead
of running as its reference network; a model that reads no degradation is
refused with the flag, so the mask is never silently ignored.

INPUT is an image file, a folder (its images, not recursive) or a glob
pattern (quote it: 'photos/**/*.jpg'). OUTPUT is a file when INPUT is one
file and OUTPUT has an image extension; otherwise a folder, where each result
is named after its input (``<stem>.<ext>``). An input file is never
overwritten. Results keep the input's depth (8 or 16 bits) where the output
format holds it (PNG, PPM/PGM, TIFF, NPY), else 8 bits. ``--tile`` bounds the
memory to one tile plus the integer images (see docs/inference.md); ``.npy``
and TIFF files, in or out, are memory-mapped and processed a band of tiles at
a time, so they may be larger than memory (TIFF needs the optional package
tifffile). Errors are one line on stderr (``infer.py: error: ...``, as argparse
prints its own); images that cannot be decoded are reported and skipped, and the
exit status is then 1.
"""
from __future__ import annotations

import argparse
import glob
import os
import os.path as osp
import pickle
import sys
from typing import TYPE_CHECKING, Dict, List, Optional, Tuple

from mmengine.config import Config, DictAction

try:
    import irtoolbox  # noqa: F401
except ImportError:  # run from a checkout without `pip install -e .`
    sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))

from irtoolbox.utils.launch import error_line  # noqa: E402

if TYPE_CHECKING:
    import numpy as np
    import torch

# torch, OpenCV and the models are imported by the functions that use them, after
# the arguments are parsed: --help and a bad flag answer at once

TOOL = 'infer.py'  # the name argparse puts before its own errors


def input_exts() -> Tuple[str, ...]:
    """Extensions read: OpenCV's images, and .npy and TIFF, which are read and
    written memory-mapped, tile by tile (any size)."""
    from irtoolbox.apis.image_streams import STREAMED_EXTS
    from irtoolbox.utils.image_conventions import IMAGE_EXTENSIONS
    return tuple(dict.fromkeys((*IMAGE_EXTENSIONS, *STREAMED_EXTS)))


def depth16_exts() -> Tuple[str, ...]:
    """Formats that hold 16-bit results (others get 8 bits)."""
    from irtoolbox.apis.image_streams import STREAMED_EXTS
    return ('.png', '.ppm', '.pgm', '.pnm', *STREAMED_EXTS)


class InferError(Exception):
    """A user error: printed as one line, exit status 1."""


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Restore images with a trained model')
    parser.add_argument('config', help='model config file')
    parser.add_argument('checkpoint', help="checkpoint file, or 'none' (weights named by the "
                                           'config, e.g. the latent restorer)')
    parser.add_argument('input', help='an image file, a folder of images or a glob pattern')
    parser.add_argument('output', help='output file (single input) or folder')
    parser.add_argument('--tile', type=int, default=None,
                        help='tile side in pixels (default: whole image at once)')
    parser.add_argument('--tile-overlap', type=int, default=32,
                        help='overlap of neighbouring tiles; >= receptive field - 1 is exact')
    parser.add_argument('--device', default=None,
                        help='cpu or cuda (default: cuda if available)')
    parser.add_argument('--unsafe-load', action='store_true',
                        help='load the checkpoint with full pickle (trusted files only)')
    parser.add_argument('--ext', default='png', help='output format in folder mode (png)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default=None,
                        help='override config keys, e.g. model.generator_checkpoint=G.pth')
    parser.add_argument('--right', default=None,
                        help='dual-pixel models: the right view; INPUT (one file) is the left '
                             'view; the model sees 6 channels [left RGB, right RGB]')
    parser.add_argument('--hole-mask', default=None,
                        help="DL-Net: missing pixels, nonzero = hole (a folder of masks named "
                             'as the inputs for a folder INPUT)')
    parser.add_argument('--noise-sigma', type=float, default=0.0,
                        help='DL-Net: std of the input noise in 0..255 units (default 0)')
    return parser.parse_args(argv)


def mask_paths(plan: Dict[str, str], hole_mask: Optional[str]) -> Dict[str, Optional[str]]:
    """The hole mask of each input (all None without ``--hole-mask``), checked to exist."""
    if hole_mask is None:
        return {src: None for src in plan}
    if osp.isdir(hole_mask):
        paths = {src: osp.join(hole_mask, osp.basename(src)) for src in plan}
    elif len(plan) == 1:
        paths = {src: hole_mask for src in plan}
    else:
        raise InferError(f'--hole-mask {hole_mask!r}: {len(plan)} inputs need a folder of '
                         'masks named as the inputs')
    missing = [path for path in paths.values() if not osp.isfile(path)]
    if missing:
        raise InferError(f'--hole-mask: no mask {missing[0]!r}'
                         + (f' (and {len(missing) - 1} more)' if len(missing) > 1 else ''))
    return paths


def check_reads_degradations(model: torch.nn.Module) -> None:
    """Refuse ``--hole-mask`` / ``--noise-sigma`` for a model no part of which reads them."""
    from irtoolbox.models.part_protocol import reads_context
    if not any(reads_context(m, 'data_samples') for m in model.modules()):
        raise InferError(f'--hole-mask / --noise-sigma: no part of {type(model).__name__} '
                         "reads an image's degradation (DL-Net's LikelihoodHead or "
                         'SFTContextEncoderAE do); they would be ignored')


def observation_of(mask_path: Optional[str], noise_sigma: float) -> Optional[dict]:
    """The recorded degradation of one input from its hole mask and noise level."""
    if mask_path is None and not noise_sigma:
        return None
    import numpy as np

    from irtoolbox.apis.inference import recorded_observation
    from irtoolbox.datasets.image_io import load_image
    if mask_path is None:  # noise only: every pixel observed
        return recorded_observation(None, noise_sigma)
    mask = load_image(mask_path, channel_order='rgb', color_type='grayscale', to_float32=False)
    # H x W (x 1): a pixel is a hole where the mask is nonzero
    return recorded_observation(np.asarray(mask).reshape(mask.shape[:2] + (-1,)).max(axis=2),
                                noise_sigma)


def dual_pixel_input(left: str, right: str) -> 'np.ndarray':
    """``H x W x 6`` RGB [left, right] in the stored integer type (16-bit PNGs stay 16-bit),
    as swz30/Restormer's dual-pixel test script stacks the two views."""
    import numpy as np

    from irtoolbox.datasets.image_io import load_image
    views = [load_image(p, channel_order='rgb', to_float32=False) for p in (left, right)]
    if views[0].shape != views[1].shape or views[0].dtype != views[1].dtype:
        raise InferError(f'--right: {right!r} is {views[1].shape} {views[1].dtype}, the left '
                         f'view is {views[0].shape} {views[0].dtype}')
    return np.concatenate(views, axis=2)


def collect_inputs(pattern: str) -> List[str]:
    """The image files named by a file, a folder or a glob pattern, sorted."""
    exts = input_exts()
    if osp.isfile(pattern):
        return [pattern]
    if osp.isdir(pattern):
        files = [osp.join(pattern, name) for name in sorted(os.listdir(pattern))
                 if name.lower().endswith(exts) and osp.isfile(osp.join(pattern, name))]
        if not files:
            raise InferError(f'no image files ({", ".join(exts)}) in folder {pattern!r}')
        return files
    if glob.has_magic(pattern):
        files = sorted(p for p in glob.glob(pattern, recursive=True) if osp.isfile(p))
        if not files:
            raise InferError(f'no files match {pattern!r}')
        return files
    raise InferError(f'input not found: {pattern!r}')


def plan_outputs(inputs: List[str], output: str, single_input: bool, ext: str) -> Dict[str, str]:
    """Map each input to its output path; refuse collisions and overwriting an input."""
    import cv2

    from irtoolbox.apis.image_streams import is_streamed_path
    ext = ext.lstrip('.').lower()
    if single_input and not osp.isdir(output) and output.lower().endswith(input_exts()):
        plan = {inputs[0]: output}
    else:
        plan = {path: osp.join(output, osp.splitext(osp.basename(path))[0] + '.' + ext)
                for path in inputs}
    for path in plan.values():
        if not is_streamed_path(path) and not cv2.haveImageWriter(path):
            raise InferError(f'OpenCV cannot write {osp.splitext(path)[1]!r} files: {path!r}')
    targets: Dict[str, str] = {}
    for src, dst in plan.items():
        key = osp.realpath(dst)
        if key in targets:
            raise InferError(f'{src!r} and {targets[key]!r} would both be written to {dst!r}')
        targets[key] = src
    sources = {osp.realpath(p): p for p in inputs}
    for key, src in targets.items():
        if key in sources:
            raise InferError(f'refusing to overwrite the input {sources[key]!r}: '
                             'choose another OUTPUT or --ext')
    return plan


def _message(err: BaseException) -> str:
    if isinstance(err, OSError) and err.strerror:
        return err.strerror
    if isinstance(err, KeyError) and err.args:
        return str(err.args[0])
    return str(err)


def restore_by_forward(model: torch.nn.Module, path: str) -> np.ndarray:
    """The whole image through ``model(x, mode='tensor')``, BGR uint8: models without
    ``forward_tensor`` (the latent restorer optimises a latent per image, so
    neither tiling nor padding applies)."""
    import numpy as np
    import torch

    from irtoolbox.datasets.image_io import load_image
    from irtoolbox.utils.image_conventions import image_to_uint8_hwc
    img = load_image(path, channel_order='rgb', color_type='color', to_float32=False)
    x = torch.from_numpy(img.astype(np.float32) / np.iinfo(img.dtype).max).permute(2, 0, 1)
    pre = model.data_preprocessor
    x = pre.normalize(x[None].to(next(model.parameters()).device))
    with torch.no_grad():
        result = pre.denormalize(model(x, mode='tensor'))[0].cpu()
    return np.ascontiguousarray(image_to_uint8_hwc(result, 'restored', {})[..., ::-1])


def restore_one(model: torch.nn.Module, src: str, dst: str,
                args: argparse.Namespace) -> Optional[np.ndarray]:
    """The BGR result for ``dst`` (None when ``restore_image`` streamed it to ``dst``)."""
    import numpy as np

    from irtoolbox.apis import restore_image
    from irtoolbox.apis.image_streams import is_streamed_path
    if not hasattr(model, 'forward_tensor'):
        return restore_by_forward(model, src)
    streamed = is_streamed_path(dst)  # written tile by tile by restore_image
    pair = args.right is not None  # a 6-channel array in RGB order: result in RGB
    result = restore_image(model, dual_pixel_input(src, args.right) if pair else src,
                           tile=args.tile, tile_overlap=args.tile_overlap,
                           channel_order='rgb' if pair else 'bgr',
                           out=dst if streamed else None,
                           out_dtype=None if dst.lower().endswith(depth16_exts()) else 'uint8',
                           degradation_params=observation_of(args.masks[src],
                                                             args.noise_sigma))
    if streamed:
        return None
    return np.ascontiguousarray(result[..., ::-1]) if pair else result  # RGB -> BGR for cv2


def restore_all(model: torch.nn.Module, plan: Dict[str, str], args: argparse.Namespace) -> int:
    """Restore every planned image; returns how many failed to decode."""
    import cv2
    from tqdm import tqdm

    from irtoolbox.datasets.image_io import DATA_ERRORS
    failed = 0
    for src, dst in tqdm(plan.items(), desc='restoring', unit='img'):
        try:
            result = restore_one(model, src, dst, args)
        except DATA_ERRORS as err:
            tqdm.write(error_line(TOOL, _message(err)), file=sys.stderr)
            failed += 1
            continue
        if result is None:
            continue
        os.makedirs(osp.dirname(osp.abspath(dst)), exist_ok=True)
        if not cv2.imwrite(dst, result):
            raise InferError(f'could not write {dst!r}')
    return failed


def load_model_config(args: argparse.Namespace) -> Config:
    """The config with ``--cfg-options``, checked before anything is built: a model
    that restores no image, or tiling of one that cannot be tiled, is refused."""
    from irtoolbox.utils.launch import check_config_file, check_restores_images
    check_config_file(args.config)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    if 'model' not in cfg:
        raise InferError(f'the config {args.config} has no `model` key')
    check_restores_images(cfg, 'tools/infer.py')
    from irtoolbox.registry import MODELS
    model_cls = MODELS.get(cfg.model.get('type')) if isinstance(cfg.model.get('type'), str) \
        else cfg.model.get('type')
    if args.tile is not None and not hasattr(model_cls, 'forward_tensor'):
        raise InferError(f'--tile: {getattr(model_cls, "__name__", model_cls)} restores whole '
                         'images only (it has no forward_tensor)')
    return cfg


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    import torch

    from irtoolbox.apis import init_model
    from irtoolbox.apis.image_streams import is_streamed_path
    from irtoolbox.utils.checkpoint import install_safe_checkpointing
    if args.device is None:
        args.device = 'cuda' if torch.cuda.is_available() else 'cpu'
    # every mmengine load path (e.g. init_cfg pretrained weights) goes through
    # the safe loader too, as in the other tools
    install_safe_checkpointing(unsafe=args.unsafe_load)
    try:
        inputs = collect_inputs(args.input)
        plan = plan_outputs(inputs, args.output, osp.isfile(args.input), args.ext)
        if args.right is not None and (len(plan) != 1 or any(
                is_streamed_path(path) for item in plan.items() for path in item)):
            raise InferError('--right takes one left-view image file and a non-streamed '
                             f'output; got {len(plan)} input(s)')
        if args.tile is not None and args.tile <= args.tile_overlap:
            raise InferError(f'--tile ({args.tile}) must be larger than --tile-overlap '
                             f'({args.tile_overlap})')
        if args.noise_sigma < 0:
            raise InferError(f'--noise-sigma must be >= 0, got {args.noise_sigma}')
        args.masks = mask_paths(plan, args.hole_mask)
        cfg = load_model_config(args)
        checkpoint = None if args.checkpoint.lower() == 'none' else args.checkpoint
        model = init_model(cfg, checkpoint, device=args.device, unsafe_load=args.unsafe_load)
        if args.hole_mask is not None or args.noise_sigma:
            check_reads_degradations(model)
        failed = restore_all(model, plan, args)
    except pickle.UnpicklingError as err:
        print(error_line(TOOL, f'checkpoint {args.checkpoint!r} holds objects a safe load '
                               f'refuses ({str(err).splitlines()[-1][:200]}); pass '
                               '--unsafe-load only if you trust it'), file=sys.stderr)
        return 1
    except (InferError, OSError, KeyError, ValueError, TypeError, RuntimeError,
            ImportError) as err:
        print(error_line(TOOL, _message(err).splitlines()[0]), file=sys.stderr)
        return 1
    if failed:
        print(error_line(TOOL, f'{failed} of {len(plan)} images could not be decoded'),
              file=sys.stderr)
        return 1
    print(f'wrote {len(plan)} image(s) to {args.output}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
