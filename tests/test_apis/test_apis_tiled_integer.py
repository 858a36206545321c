"""Integer tiled restoration: bit-identical to the float tiled path it replaced.

Oracle: ``data/tiled_restore_float_path.npz``, written by this file's
``__main__`` with the code of commit 2962dc5, whose ``restore_image`` converted
the whole image to float32, tiled the float image and rounded the float result
at the end. The file holds the inputs, the models' weights and those outputs;
the integer path (uint8/uint16 tiles converted to float one at a time) must
give the same bytes.

    python tests/test_apis/test_apis_tiled_integer.py --write-fixture  # only on 2962dc5
"""
import os.path as osp
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from irtoolbox.apis import restore_image
import irtoolbox.models  # noqa: F401  (registers the parts)

FIXTURE = osp.join(osp.dirname(osp.abspath(__file__)), 'data', 'tiled_restore_float_path.npz')


def _restorer(divisor: int) -> nn.Module:
    from irtoolbox.registry import MODELS
    return MODELS.build(dict(
        type='Restorer', backbone=dict(type='ResidualCNN', mid_channels=8, num_blocks=2),
        data_preprocessor=dict(type='RestorationDataPreprocessor', mean=0.5, std=0.5,
                               pad_size_divisor=divisor))).eval()


class SubPixelModel(nn.Module):
    """A duck-typed x2 model (conv3x3 -> pixel shuffle), size divisor 4."""

    def __init__(self) -> None:
        super().__init__()
        from irtoolbox.registry import MODELS
        self.data_preprocessor = MODELS.build(dict(
            type='RestorationDataPreprocessor', mean=[0.4, 0.5, 0.6], std=[0.2, 0.3, 0.25],
            pad_size_divisor=4))
        self.conv = nn.Conv2d(3, 12, 3, padding=1)
        self.scale = 2
        self.size_divisor = 4

    def forward_tensor(self, x: torch.Tensor) -> torch.Tensor:
        return F.pixel_shuffle(self.conv(x), 2)


def _models() -> dict:
    return {'div1': _restorer(1), 'div8': _restorer(8), 'x2': SubPixelModel()}


# name: (model, input key, restore_image keyword arguments)
CASES = {
    'uint8_rgb_exact': ('div1', 'photo', dict(tile=24, tile_overlap=12)),
    'uint8_bgr_div8_seams': ('div8', 'photo_bgr', dict(tile=20, tile_overlap=4,
                                                       channel_order='bgr')),
    'uint16_tile16': ('div1', 'noise16', dict(tile=16, tile_overlap=12)),
    'float_tile24': ('div1', 'float', dict(tile=24, tile_overlap=12)),
    'uint8_x2_div4': ('x2', 'photo', dict(tile=20, tile_overlap=8)),
}


def write_fixture() -> None:
    from skimage import data as skdata
    rng = np.random.default_rng(13)
    photo = np.ascontiguousarray(skdata.coffee()[40:101, 100:150])  # 61 x 50 RGB
    inputs = {'photo': photo, 'photo_bgr': np.ascontiguousarray(photo[..., ::-1]),
              'noise16': rng.integers(0, 65536, (37, 45, 3), dtype=np.uint16),
              'float': rng.random((40, 52, 3), dtype=np.float32)}
    torch.manual_seed(13)
    models = _models()
    arrays = {f'in/{k}': v for k, v in inputs.items()}
    for name, model in models.items():
        for key, param in model.state_dict().items():
            if key.startswith('data_preprocessor'):
                continue
            param.data.normal_(0, 0.15)
            arrays[f'w/{name}/{key}'] = param.numpy().copy()
    for case, (name, img, kwargs) in CASES.items():
        arrays[f'out/{case}'] = restore_image(models[name], inputs[img], **kwargs)
    np.savez_compressed(FIXTURE, **arrays)
    print('wrote', FIXTURE, {k: (v.shape, v.dtype) for k, v in arrays.items() if 'w/' not in k})


if __name__ == '__main__' and '--write-fixture' in sys.argv:
    write_fixture()
