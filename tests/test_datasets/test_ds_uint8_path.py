"""LoadImageFromFile(to_float32=False): integers kept until the crop, same packed sample;
raw NPY arrays decoded without a copy.

Oracles: the source arrays written to real files (8-bit PNG, 16-bit PNG, a raw
LMDB built from them), scaled here by 255 / 65535 and cropped at the
recorded ``crop_bbox``; and the ``to_float32=True`` pipeline on the same
files and seeds, whose packed tensors must agree to 1e-6.
"""
import io
from pathlib import Path

import cv2
import numpy as np
import pytest
import skimage.data
import torch

from irtoolbox.datasets import PairedImageDataset, SyntheticPairDataset
from irtoolbox.datasets.image_io import ImageDecodeError, decode_image, load_image
from irtoolbox.datasets.lmdb_writer import make_lmdb

CROP = 16


def sources() -> dict:
    """Name -> (gt, lq) arrays in cv2 layout (BGR), from real photographs."""
    gt8 = skimage.data.astronaut()[40:88, 100:164, ::-1].copy()
    lq8 = cv2.GaussianBlur(gt8, (0, 0), 1.0)
    gt16 = skimage.data.coffee()[150:182, 200:248, ::-1].astype(np.uint16) * 257 + 3
    lq16 = (gt16 // 2).astype(np.uint16)
    return {'photo8': (gt8, lq8), 'photo16': (gt16, lq16)}


def write_pairs(root: Path, names) -> None:
    for sub in ('gt', 'lq'):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for name in names:
        gt, lq = sources()[name]
        assert cv2.imwrite(str(root / 'gt' / f'{name}.png'), gt)
        assert cv2.imwrite(str(root / 'lq' / f'{name}.png'), lq)


def dataset(root: Path, to_float32: bool, lmdb: bool = False) -> PairedImageDataset:
    backend = dict(backend='lmdb_lazy') if lmdb else None
    prefix = dict(img='lq.lmdb', gt='gt.lmdb') if lmdb else dict(img='lq', gt='gt')
    pipeline = [
        dict(type='LoadImageFromFile', key='img', backend_args=backend, to_float32=to_float32),
        dict(type='LoadImageFromFile', key='gt', backend_args=backend, to_float32=to_float32),
        dict(type='PairedRandomCrop', crop_size=CROP),
        dict(type='Flip', flip_ratio=0.5),
        dict(type='RandomTranspose', transpose_ratio=0.5),
        dict(type='PackInputs'),
    ]
    return PairedImageDataset(data_root=str(root), data_prefix=prefix, backend_args=backend,
                              pipeline=pipeline, seed=7)


def expected_patch(array: np.ndarray, max_value: float, meta: dict) -> np.ndarray:
    """Independent oracle: BGR source -> RGB / max, cropped, flipped, transposed, CHW."""
    top, left, bottom, right = meta['crop_bbox']
    patch = array[top:bottom, left:right, ::-1].astype(np.float64) / max_value
    if meta['flip']:
        patch = patch[:, ::-1]
    if meta['transpose']:
        patch = patch.transpose(1, 0, 2)
    return patch.transpose(2, 0, 1)


def check_same_packed(float_ds, int_ds, max_value: float) -> None:
    for idx in range(len(float_ds)):
        for pass_ in range(3):  # several passes: several crops / flips per image
            ref, out = float_ds[(idx, pass_)], int_ds[(idx, pass_)]
            for got, want in ((out['inputs'], ref['inputs']),
                              (out['data_samples'].gt_img, ref['data_samples'].gt_img)):
                assert got.dtype == want.dtype and got.shape == want.shape == (3, CROP, CROP)
                np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=0, atol=1e-6)
            meta = out['data_samples'].metainfo
            gt, lq = sources()[Path(meta['gt_path']).stem]
            np.testing.assert_allclose(out['data_samples'].gt_img.numpy(),
                                       expected_patch(gt, max_value, meta), rtol=0, atol=1e-6)
            np.testing.assert_allclose(out['inputs'].numpy(), expected_patch(lq, max_value, meta),
                                       rtol=0, atol=1e-6)
            assert meta['channel_order'] == 'rgb' and meta['ori_shape'] == gt.shape


@pytest.mark.parametrize('name,max_value', [('photo8', 255.0), ('photo16', 65535.0)])
def test_png_uint_path_packs_like_float_path(tmp_path, name, max_value):
    write_pairs(tmp_path, [name])
    check_same_packed(dataset(tmp_path, True), dataset(tmp_path, False), max_value)


def test_raw_lmdb_uint8_path_packs_like_float_path(tmp_path):
    write_pairs(tmp_path, ['photo8'])
    for sub in ('gt', 'lq'):
        make_lmdb(tmp_path / sub, tmp_path / f'{sub}.lmdb', raw=True, workers=1, progress=False)
    float_ds, int_ds = dataset(tmp_path, True, lmdb=True), dataset(tmp_path, False, lmdb=True)
    assert int_ds[0]['data_samples'].metainfo['gt_path'].startswith(str(tmp_path / 'gt.lmdb'))
    check_same_packed(float_ds, int_ds, 255.0)


def test_loader_keeps_stored_integers(tmp_path):
    write_pairs(tmp_path, ['photo8', 'photo16'])
    for name, dtype in (('photo8', np.uint8), ('photo16', np.uint16)):
        gt = sources()[name][0]
        path = str(tmp_path / 'gt' / f'{name}.png')
        rgb = load_image(path, to_float32=False)
        assert rgb.dtype == dtype and rgb.flags.c_contiguous
        np.testing.assert_array_equal(rgb, gt[..., ::-1])
        np.testing.assert_array_equal(load_image(path, 'bgr', to_float32=False), gt)
        # luma mixes channels: computed on floats (not rounded to integers) either way
        gray = load_image(path, color_type='grayscale', to_float32=False)
        assert gray.dtype == np.float32
        np.testing.assert_array_equal(gray, load_image(path, color_type='grayscale'))


def test_degrade_converts_uint8_like_float_path(tmp_path):
    write_pairs(tmp_path, ['photo8'])

    def synthetic(to_float32: bool) -> SyntheticPairDataset:
        pipeline = [
            dict(type='LoadImageFromFile', key='gt', to_float32=to_float32),
            dict(type='RandomCrop', crop_size=CROP, keys=('gt', )),
            dict(type='Degrade', degradation=[dict(type='GaussianNoise', sigma_range=(5, 25)),
                                              dict(type='JPEGCompression',
                                                   quality_range=(40, 90))]),
            dict(type='PackInputs'),
        ]
        return SyntheticPairDataset(data_root=str(tmp_path), data_prefix=dict(gt='gt'),
                                    pipeline=pipeline, seed=3)

    float_ds, int_ds = synthetic(True), synthetic(False)
    gt8 = sources()['photo8'][0]
    for pass_ in range(3):
        ref, out = float_ds[(0, pass_)], int_ds[(0, pass_)]
        # the conversion draws nothing: the same noise seed and JPEG quality
        assert out['data_samples'].metainfo['degradation_params'] == \
            ref['data_samples'].metainfo['degradation_params']
        np.testing.assert_allclose(out['inputs'].numpy(), ref['inputs'].numpy(), atol=1e-6)
        meta = out['data_samples'].metainfo
        top, left, bottom, right = meta['crop_bbox']
        want = gt8[top:bottom, left:right, ::-1].transpose(2, 0, 1) / 255.0
        np.testing.assert_allclose(out['data_samples'].gt_img.numpy(), want, rtol=0, atol=1e-6)
        assert out['inputs'].dtype == out['data_samples'].gt_img.dtype == torch.float32


def npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


@pytest.mark.parametrize('order', ['rgb', 'bgr'])
@pytest.mark.parametrize('dtype', [np.uint8, np.uint16, np.float32])
def test_raw_npy_decodes_to_writable_arrays(order, dtype):
    """The NPY data is viewed, not copied: what is returned must still be writable."""
    bgr = sources()['photo8'][0].astype(dtype)
    want = bgr if order == 'bgr' else bgr[..., ::-1]
    for content in (npy_bytes(bgr), npy_bytes(np.asfortranarray(bgr))):
        for to_float32 in (False, True):
            out = decode_image(content, 'a.npy', order, to_float32=to_float32)
            assert out.flags.writeable and out.flags.c_contiguous
            scale = 1.0 if dtype == np.float32 or not to_float32 else np.iinfo(dtype).max
            np.testing.assert_allclose(out, want / scale, rtol=0, atol=1e-6)
            out[0, 0, 0] = 0  # a view of the bytes would raise here
    assert decode_image(npy_bytes(bgr), 'a', to_float32=False).dtype == dtype


def test_raw_npy_truncated_or_pickled_is_a_decode_error():
    content = npy_bytes(sources()['photo8'][0])
    with pytest.raises(ImageDecodeError, match=r"'cut\.npy'.*truncated"):
        decode_image(content[:-10], 'cut.npy')
    buffer = io.BytesIO()
    np.save(buffer, np.array([{'a': 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ImageDecodeError, match=r"'obj\.npy'.*invalid \.npy"):
        decode_image(buffer.getvalue(), 'obj.npy')
