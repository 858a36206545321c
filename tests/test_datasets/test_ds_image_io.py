"""Decoding real image files into the pipeline convention (float32 HxWxC in [0, 1])."""
import io

import cv2
import numpy as np
import pytest
from skimage import data as skdata

from irtoolbox.datasets.image_io import ImageDecodeError, decode_image, load_image
from irtoolbox.datasets.transforms import LoadImageFromFile


def _png_bytes(array):
    ok, buf = cv2.imencode('.png', array)
    assert ok
    return buf.tobytes()


def test_red_image_channel_order(tmp_path):
    bgr_red = np.zeros((4, 5, 3), np.uint8)
    bgr_red[..., 2] = 255  # OpenCV writes BGR: channel 2 is red
    path = str(tmp_path / 'red.png')
    cv2.imwrite(path, bgr_red)
    rgb = load_image(path, channel_order='rgb')
    bgr = load_image(path, channel_order='bgr')
    assert rgb.dtype == np.float32 and rgb.shape == (4, 5, 3)
    np.testing.assert_array_equal(rgb[0, 0], [1.0, 0.0, 0.0])
    np.testing.assert_array_equal(bgr[0, 0], [0.0, 0.0, 1.0])


def test_photo_values_match_skimage(tmp_path):
    rgb_u8 = skdata.astronaut()[100:132, 200:240]
    path = str(tmp_path / 'astronaut.png')
    cv2.imwrite(path, rgb_u8[..., ::-1])
    np.testing.assert_allclose(load_image(path), rgb_u8 / 255.0, atol=1e-7)


def test_grayscale_to_color_and_grayscale(tmp_path):
    gray = skdata.camera()[:16, :24]
    path = str(tmp_path / 'gray.png')
    cv2.imwrite(path, gray)
    color = load_image(path, color_type='color')
    assert color.shape == (16, 24, 3)
    for c in range(3):
        np.testing.assert_allclose(color[..., c], gray / 255.0, atol=1e-7)
    one = load_image(path, color_type='grayscale')
    assert one.shape == (16, 24, 1)
    np.testing.assert_allclose(one[..., 0], gray / 255.0, atol=1e-7)


def test_color_to_grayscale_is_bt601_luma(tmp_path):
    rgb = skdata.coffee()[:8, :8].astype(np.float64)
    path = str(tmp_path / 'c.png')
    cv2.imwrite(path, rgb[..., ::-1].astype(np.uint8))
    luma = (0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]) / 255.0
    np.testing.assert_allclose(load_image(path, color_type='grayscale')[..., 0], luma,
                               atol=1e-5)


def test_rgba_drops_alpha_or_keeps_it(tmp_path):
    bgra = np.zeros((3, 3, 4), np.uint8)
    bgra[..., 0], bgra[..., 1], bgra[..., 2], bgra[..., 3] = 10, 20, 30, 0  # fully transparent
    path = str(tmp_path / 'rgba.png')
    cv2.imwrite(path, bgra)
    color = load_image(path)
    np.testing.assert_allclose(color[1, 1], np.array([30, 20, 10]) / 255.0, atol=1e-7)
    unchanged = load_image(path, color_type='unchanged')
    np.testing.assert_allclose(unchanged[1, 1], np.array([30, 20, 10, 0]) / 255.0, atol=1e-7)


def test_16bit_png_scaled_by_65535(tmp_path):
    bgr16 = np.array([[[0, 1000, 65535], [257, 40000, 12345]]], np.uint16)
    path = str(tmp_path / 'deep.png')
    cv2.imwrite(path, bgr16)
    rgb = load_image(path)
    np.testing.assert_allclose(rgb, bgr16[..., ::-1].astype(np.float64) / 65535.0, atol=1e-7)


def test_npy_array_is_bgr():
    bgr = skdata.chelsea()[:6, :7, ::-1].copy()
    buf = io.BytesIO()
    np.save(buf, bgr)
    rgb = decode_image(buf.getvalue(), 'key', channel_order='rgb')
    np.testing.assert_allclose(rgb, bgr[..., ::-1] / 255.0, atol=1e-7)


@pytest.mark.parametrize('content, reason', [
    (b'', 'empty'),
    (b'this is not an image' * 5, 'could not decode'),
    (b'\x93NUMPY garbage', 'invalid .npy'),
])
def test_bad_bytes_raise_decode_error(content, reason):
    with pytest.raises(ImageDecodeError, match=reason) as info:
        decode_image(content, 'some/bad.png')
    assert 'some/bad.png' in str(info.value) and isinstance(info.value, ValueError)


def test_truncated_png_raises_decode_error():
    content = _png_bytes(skdata.astronaut()[:64, :64])
    with pytest.raises(ImageDecodeError, match='half.png'):
        decode_image(content[:len(content) // 2], 'half.png')


def test_missing_file_names_path(tmp_path):
    path = str(tmp_path / 'nope.png')
    with pytest.raises(FileNotFoundError, match='nope.png'):
        load_image(path)


def test_bad_options_rejected():
    with pytest.raises(ValueError, match='channel_order'):
        LoadImageFromFile(channel_order='rgba')
    with pytest.raises(ValueError, match='color_type'):
        decode_image(b'x', 'p', color_type='colour')


def test_load_transform_sets_keys(tmp_path):
    path = str(tmp_path / 'a.png')
    cv2.imwrite(path, skdata.astronaut()[:10, :12, ::-1])
    results = LoadImageFromFile(key='img', channel_order='bgr')(dict(img_path=path))
    assert results['img'].shape == (10, 12, 3)
    assert results['ori_shape'] == results['img_ori_shape'] == (10, 12, 3)
    assert results['channel_order'] == 'bgr'
    with pytest.raises(ValueError, match='channel_order'):
        LoadImageFromFile(key='gt', channel_order='rgb')(dict(results, gt_path=path))
