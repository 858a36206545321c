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
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

import irtoolbox.models  # noqa: F401  (registers the parts)
from irtoolbox.apis import restore_image

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


@pytest.fixture(scope='module')
def fixture_models():
    """The fixture's arrays and its models with the stored weights."""
    stored = np.load(FIXTURE)
    models = _models()
    for name, model in models.items():
        state = {key[len(f'w/{name}/'):]: torch.from_numpy(stored[key])
                 for key in stored.files if key.startswith(f'w/{name}/')}
        missing = model.load_state_dict(state, strict=False).missing_keys
        assert not [k for k in missing if not k.startswith('data_preprocessor')], missing
    return stored, models


@pytest.mark.parametrize('case', list(CASES))
def test_bit_identical_to_the_float_tiled_path(fixture_models, case):
    stored, models = fixture_models
    name, img, kwargs = CASES[case]
    # the float path always returned uint8; the integer path keeps uint16 unless asked
    result = restore_image(models[name], stored[f'in/{img}'], out_dtype=np.uint8, **kwargs)
    expected = stored[f'out/{case}']
    assert result.dtype == expected.dtype == np.uint8 and result.shape == expected.shape
    np.testing.assert_array_equal(result, expected)


def test_integer_in_integer_out(fixture_models):
    stored, models = fixture_models
    model = models['div1']
    photo, noise16 = stored['in/photo'], stored['in/noise16']
    out8 = restore_image(model, photo, tile=24, tile_overlap=12)
    assert out8.dtype == np.uint8
    out16 = restore_image(model, noise16, tile=16, tile_overlap=12)
    assert out16.dtype == np.uint16 and out16.shape == noise16.shape
    # 16-bit rounding of the same float result: within half a 16-bit step of the 8-bit one
    as8 = stored['out/uint16_tile16'].astype(np.float64) / 255.0
    assert np.abs(out16 / 65535.0 - as8).max() <= 0.5 / 255.0 + 1e-9
    assert len(np.unique(out16)) > 2 * len(np.unique(stored['out/uint16_tile16']))
    # the untiled path gives the same integers up to a flipped rounding
    whole = restore_image(model, noise16)
    assert whole.dtype == np.uint16
    assert np.abs(whole.astype(int) - out16).max() <= 1
    # a caller's array is filled in place and returned
    canvas = np.zeros_like(photo)
    assert restore_image(model, photo, tile=24, tile_overlap=12, out=canvas) is canvas
    np.testing.assert_array_equal(canvas, out8)
    with pytest.raises(TypeError, match='out_dtype'):
        restore_image(model, photo, out_dtype=np.int32)
    with pytest.raises(ValueError, match='shape'):
        restore_image(model, photo, tile=24, tile_overlap=12, out=np.zeros((5, 5, 3), np.uint8))


def test_progress_bar_counts_tiles(fixture_models, capsys):
    stored, models = fixture_models
    restore_image(models['div1'], stored['in/photo'], tile=24, tile_overlap=12, progress=True)
    err = capsys.readouterr().err
    # 61 x 50, tile 24, overlap 12: stride 12, ceil((61 - 12) / 12) = 5 rows and
    # ceil((50 - 12) / 12) = 4 columns of tiles
    assert 'tiles' in err and '20/20' in err and 'MP/s' in err
    restore_image(models['div1'], stored['in/photo'], tile=24, tile_overlap=12)
    assert capsys.readouterr().err == ''  # small images: no bar by default


if __name__ == '__main__' and '--write-fixture' in sys.argv:
    write_fixture()
