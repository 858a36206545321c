"""init_model and restore_image on a real Restorer/ResidualCNN and real photos.

Oracles: the checkpoint's own tensors (weights), and the restoration
recomputed by hand from the backbone: ``x / 255`` -> ``(x - 0.5) / 0.5`` ->
reflect pad -> backbone -> crop -> ``* 0.5 + 0.5`` -> clamp -> ``round(255 *)``.
"""
import textwrap

import cv2
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from skimage import data as skdata

from irtoolbox.apis import init_model, restore_image

CONFIG = textwrap.dedent("""
    model = dict(
        type='Restorer',
        backbone=dict(type='ResidualCNN', mid_channels=8, num_blocks=2),
        data_preprocessor=dict(type='RestorationDataPreprocessor', mean=0.5, std=0.5,
                               pad_size_divisor={divisor}))
""")


def _write_model(tmp_path, divisor: int = 1):
    """A config file and a checkpoint saved from a real (randomly initialised) model."""
    config = tmp_path / f'residualcnn_div{divisor}.py'
    config.write_text(CONFIG.format(divisor=divisor))
    torch.manual_seed(0)
    model = init_model(str(config))
    for param in model.parameters():  # not the init: loading must really happen
        param.data.normal_(0, 0.12)
    checkpoint = tmp_path / 'model.pth'
    torch.save({'meta': {'iter': 10}, 'state_dict': model.state_dict()}, checkpoint)
    return str(config), str(checkpoint), model.state_dict()


def _by_hand(model, rgb_uint8: np.ndarray, divisor: int = 1) -> np.ndarray:
    x = torch.from_numpy(rgb_uint8).permute(2, 0, 1)[None].float() / 255.0
    height, width = x.shape[-2:]
    x = (x - 0.5) / 0.5
    x = F.pad(x, (0, -width % divisor, 0, -height % divisor), mode='reflect')
    with torch.no_grad():
        y = model.backbone(x)[..., :height, :width] * 0.5 + 0.5
    return (y.clamp(0, 1) * 255).round().to(torch.uint8)[0].permute(1, 2, 0).numpy()


def _assert_close_uint8(a: np.ndarray, b: np.ndarray) -> None:
    """Equal up to a float error flipping a rounding: off by at most 1, rarely."""
    assert a.shape == b.shape and a.dtype == b.dtype == np.uint8
    diff = np.abs(a.astype(int) - b.astype(int))
    assert diff.max() <= 1 and (diff > 0).mean() < 1e-3


@pytest.fixture(scope='module')
def photo() -> np.ndarray:
    return np.ascontiguousarray(skdata.coffee()[40:101, 100:150])  # 61 x 50 RGB


def test_init_model_loads_checkpoint_weights(tmp_path):
    config, checkpoint, saved = _write_model(tmp_path)
    model = init_model(config, checkpoint)
    assert not model.training and model.cfg.model.type == 'Restorer'
    for key, value in model.state_dict().items():
        assert torch.equal(value, saved[key]), key


def test_init_model_rejects_a_checkpoint_of_another_model(tmp_path):
    config, checkpoint, _ = _write_model(tmp_path)
    from irtoolbox.utils.checkpoint import CheckpointMismatchError
    with pytest.raises(CheckpointMismatchError, match='does not fit'):
        init_model(config, checkpoint, cfg_options={'model.backbone.num_blocks': 3})


def test_init_model_missing_model_key(tmp_path):
    config = tmp_path / 'empty.py'
    config.write_text('x = 1\n')
    with pytest.raises(KeyError, match='no `model` key'):
        init_model(str(config))


def test_restore_matches_hand_computation(tmp_path, photo):
    config, checkpoint, _ = _write_model(tmp_path)
    model = init_model(config, checkpoint)
    _assert_close_uint8(restore_image(model, photo), _by_hand(model, photo))


def test_tiled_restore_matches_untiled_with_size_divisor(tmp_path, photo):
    config, checkpoint, _ = _write_model(tmp_path, divisor=8)
    model = init_model(config, checkpoint)
    expected = _by_hand(model, photo, divisor=8)
    _assert_close_uint8(restore_image(model, photo), expected)
    # receptive field 13 px: overlap 12 is exact; tile 20 -> 24 (divisor 8)
    _assert_close_uint8(restore_image(model, photo, tile=20, tile_overlap=12), expected)
    seams = restore_image(model, photo, tile=20, tile_overlap=4)  # too small: must show
    assert np.abs(seams.astype(int) - expected).max() > 1


def test_channel_order_path_and_uint16_inputs(tmp_path, photo):
    config, checkpoint, _ = _write_model(tmp_path)
    model = init_model(config, checkpoint)
    expected = restore_image(model, photo)
    bgr = np.ascontiguousarray(photo[..., ::-1])
    np.testing.assert_array_equal(restore_image(model, bgr, channel_order='bgr'),
                                  expected[..., ::-1])
    path = tmp_path / 'photo.png'
    cv2.imwrite(str(path), bgr)
    np.testing.assert_array_equal(restore_image(model, str(path)), expected)
    # v * 257 / 65535 == v / 255: a 16-bit copy restores the same, asked for in 8 bits
    photo16 = photo.astype(np.uint16) * 257
    _assert_close_uint8(restore_image(model, photo16, out_dtype=np.uint8), expected)
    # and in 16 bits by default (integer in, the same integer type out)
    restored16 = restore_image(model, photo16)
    assert restored16.dtype == np.uint16
    assert np.abs(restored16 / 257.0 - expected).max() <= 1


def test_restore_image_bad_inputs(tmp_path, photo):
    config, _, _ = _write_model(tmp_path)
    model = init_model(config)
    with pytest.raises(TypeError, match='dtype'):
        restore_image(model, photo.astype(np.int32))
    with pytest.raises(ValueError, match='channel_order'):
        restore_image(model, photo, channel_order='rbg')
    with pytest.raises(FileNotFoundError, match='missing.png'):
        restore_image(model, str(tmp_path / 'missing.png'))
