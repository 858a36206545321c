"""Tests of the degradation operators against independent computations.

Oracles: scipy's 1-D Gaussian window and ``scipy.ndimage`` convolution for
the blur, Keys' cubic weights worked out by hand for the x2 imresize, OpenCV's
own resize for a loose bicubic comparison, the sample std for the noise,
pixel counts for the masks, and the numpy/torch contract (1e-5).
"""
import cv2
import numpy as np
import pytest
import torch
from scipy import ndimage
from scipy.signal.windows import gaussian
from skimage import data

from irtoolbox.degradations import (
    BernoulliMask,
    BoxMask,
    Compose,
    Downsample,
    GaussianBlur,
    GaussianNoise,
    JPEGCompression,
    build_degradation,
    gaussian_kernel2d,
)
from irtoolbox.registry import DEGRADATIONS


def _photo(name: str = 'astronaut', top: int = 100, left: int = 180, size: int = 64) -> np.ndarray:
    img = getattr(data, name)()[top:top + size, left:left + size]
    return img.astype(np.float32) / 255.0


def _to_torch(img: np.ndarray, dtype=torch.float32) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(img.transpose(2, 0, 1)))[None].to(dtype)


def _to_numpy(x: torch.Tensor) -> np.ndarray:
    return x[0].detach().numpy().transpose(1, 2, 0)


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    return float(10 * np.log10(1.0 / np.mean((a.astype(np.float64) - b) ** 2)))


# -- numpy side == torch side ------------------------------------------------------------------
LINEAR_CFGS = [
    dict(type='GaussianBlur'),
    dict(type='GaussianBlur', kernel_size=7, sigma_range=(0.0, 0.0)),
    dict(type='Downsample', scale=2),
    dict(type='Downsample', scale=3),
    dict(type='Downsample', scale=4, kernel=dict(sigma_range=(0.5, 3.0))),
    dict(type='BoxMask', fill=0.5),
    dict(type='BernoulliMask'),
]


@pytest.mark.parametrize('cfg', LINEAR_CFGS, ids=lambda c: '-'.join(map(str, c.values()))[:40])
@pytest.mark.parametrize('channels', [3, 1])
def test_numpy_equals_torch(cfg, channels):
    op = DEGRADATIONS.build(cfg)
    img = _photo()[..., :channels]
    out, params = op(img, np.random.default_rng(3))
    out_torch = op.apply_torch(_to_torch(img), params)
    assert out.dtype == np.float32 and out.shape == _to_numpy(out_torch).shape
    np.testing.assert_allclose(out, _to_numpy(out_torch), rtol=0, atol=1e-5)


@pytest.mark.parametrize('cfg', [dict(type='GaussianBlur', kernel_size=3, sigma_range=(1, 2)),
                                 dict(type='Downsample', scale=2,
                                      kernel=dict(kernel_size=3, sigma_range=(0.5, 1)))])
def test_torch_side_gradcheck(cfg):
    op = DEGRADATIONS.build(cfg)
    params = op.sample_params(np.random.default_rng(0))
    x = torch.rand(1, 1, 6, 6, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: op.apply_torch(t, params), (x,))


# -- determinism, purity -----------------------------------------------------------------------
# Ops with something random to draw (a fixed sigma or a plain resize has nothing).
RANDOM_CFGS = [LINEAR_CFGS[i] for i in (0, 4, 5, 6)] + [
    dict(type='GaussianNoise'), dict(type='JPEGCompression'),
    [dict(type='GaussianBlur'), dict(type='GaussianNoise')]]


@pytest.mark.parametrize('cfg', RANDOM_CFGS, ids=lambda c: str(c)[:40])
def test_same_seed_same_output_and_input_untouched(cfg):
    op = build_degradation(cfg)
    img = _photo('chelsea', 80, 150)
    before = img.copy()
    out1, params1 = op(img, np.random.default_rng(7))
    out2, _ = op(img, np.random.default_rng(7))
    out3, _ = op(img, np.random.default_rng(8))
    np.testing.assert_array_equal(out1, out2)
    assert not np.array_equal(out1, out3)
    np.testing.assert_array_equal(img, before)
    # apply is a pure function of the params, the mask-free params included.
    np.testing.assert_array_equal(op.apply(img, params1), out1)
    if isinstance(params1, dict) and 'mask' in params1:
        bare = {k: v for k, v in params1.items() if k != 'mask'}
        np.testing.assert_array_equal(op.apply(img, bare), out1)


def test_params_record_name_and_level():
    for cfg, level in [(dict(type='GaussianBlur'), 4), (dict(type='GaussianNoise'), None),
                       (dict(type='JPEGCompression'), np.int64(10)), (dict(type='BoxMask'), None)]:
        params = DEGRADATIONS.build(cfg).sample_params(np.random.default_rng(0), level)
        assert params['name'] == cfg['type'] and params['level'] == level
        assert params['level'] is None or type(params['level']) is int


def test_bad_inputs_give_clear_errors():
    op = GaussianBlur()
    with pytest.raises(TypeError, match='float32.*uint8'):
        op(data.astronaut()[:8, :8], np.random.default_rng(0))
    with pytest.raises(ValueError, match='H x W x C'):
        op(np.zeros((8, 8), np.float32), np.random.default_rng(0))
    with pytest.raises(TypeError, match='numpy.random.Generator'):
        op.sample_params(0)
    with pytest.raises(KeyError, match="lack 'sigma'"):
        op.apply(np.zeros((8, 8, 3), np.float32), dict(name='GaussianBlur'))


# -- level tables --------------------------------------------------------------------------------
@pytest.mark.parametrize('op, key, table', [
    (GaussianBlur(), 'sigma', np.arange(0, 5.01, 0.5)),
    (GaussianNoise(), 'sigma', np.arange(0, 51, 5)),
    (JPEGCompression(), 'quality', [100, 80, 60, 50, 40, 35, 30, 25, 20, 15, 10]),
])
def test_level_k_draws_between_table_entries_k_minus_1_and_k(op, key, table):
    rng = np.random.default_rng(0)
    for level in range(1, 11):
        lo, hi = sorted((table[level - 1], table[level]))
        values = [op.sample_params(rng, level)[key] for _ in range(20)]
        assert all(lo <= v <= hi for v in values), (level, values)
        assert max(values) - min(values) > 0  # drawn, not a fixed table entry
    with pytest.raises(ValueError, match=rf'{op.name}.*level 11.*1\.\.10'):
        op.sample_params(rng, 11)
    with pytest.raises(ValueError, match='valid levels'):
        op.sample_params(rng, 0)


def test_custom_level_table_and_ops_without_levels():
    op = GaussianBlur(levels=[0, 10, 20])
    assert 10 <= op.sample_params(np.random.default_rng(0), 2)['sigma'] <= 20
    with pytest.raises(ValueError, match=r'GaussianBlur.*valid levels: 1\.\.2'):
        op.sample_params(np.random.default_rng(0), 3)
    with pytest.raises(ValueError, match='BoxMask.*valid levels: none'):
        BoxMask().sample_params(np.random.default_rng(0), 1)
    # Downsample passes its level to its blur.
    params = Downsample(2, kernel=dict(type='GaussianBlur')).sample_params(
        np.random.default_rng(0), 3)
    assert 1.0 <= params['blur']['sigma'] <= 1.5


# -- noise ---------------------------------------------------------------------------------------
@pytest.mark.parametrize('sigma', [5.0, 15.0])
def test_noise_std_matches_sigma_on_flat_grey(sigma):
    op = GaussianNoise(sigma_range=(sigma, sigma))
    out, params = op(np.full((256, 256, 3), 0.5, np.float32), np.random.default_rng(1))
    assert params['sigma'] == sigma
    assert abs(out.std() / (sigma / 255) - 1) < 0.02
    assert abs(out.mean() - 0.5) < 1e-3


def test_noise_clips_to_unit_range_only_when_asked():
    img = _photo()
    clipped, _ = GaussianNoise(sigma_range=(50, 50))(img, np.random.default_rng(0))
    raw, _ = GaussianNoise(sigma_range=(50, 50), clip=False)(img, np.random.default_rng(0))
    assert clipped.min() >= 0 and clipped.max() <= 1
    assert raw.min() < 0 or raw.max() > 1
    np.testing.assert_array_equal(clipped, np.clip(raw, 0, 1))


# -- blur ----------------------------------------------------------------------------------------
@pytest.mark.parametrize('size, sigma', [(21, 2.3), (7, 0.8), (21, 5.0)])
def test_blur_kernel_is_normalised_gaussian_outer_product(size, sigma):
    kernel = gaussian_kernel2d(size, sigma)
    window = gaussian(size, std=sigma)
    expected = np.outer(window, window) / np.outer(window, window).sum()
    assert abs(float(kernel.sum()) - 1) < 1e-6
    np.testing.assert_allclose(kernel, expected, rtol=0, atol=1e-7)


def test_blur_kernel_is_cached_and_sigma_zero_is_identity():
    op = GaussianBlur(sigma_range=(0, 0))
    params = op.sample_params(np.random.default_rng(0))
    assert op.kernel(params) is op.kernel(dict(params))
    img = _photo()
    np.testing.assert_array_equal(op.apply(img, params), img)


def test_blur_matches_scipy_convolution_with_nearest_border():
    img = _photo('coffee', 100, 200)
    op = GaussianBlur()
    params = op.sample_params(np.random.default_rng(2), 6)
    window = gaussian(21, std=params['sigma'])
    kernel = np.outer(window, window) / np.outer(window, window).sum()
    expected = np.stack([ndimage.convolve(img[..., c].astype(np.float64), kernel, mode='nearest')
                         for c in range(3)], axis=2)
    np.testing.assert_allclose(op.apply(img, params), expected, rtol=0, atol=1e-5)


# -- downsample ----------------------------------------------------------------------------------
@pytest.mark.parametrize('scale, size', [(2, 64), (3, 63), (4, 64)])
def test_downsample_keeps_constants_and_divides_shape(scale, size):
    op = Downsample(scale=scale, kernel=dict(sigma_range=(1, 2)))
    out, _ = op(np.full((size, size + scale, 2), 0.3, np.float32), np.random.default_rng(0))
    assert out.shape == (size // scale, size // scale + 1, 2)
    np.testing.assert_allclose(out, 0.3, atol=1e-6)


def test_downsample_x2_interior_weights_are_keys_cubic_antialiased():
    # For x2, output i lies halfway between inputs 2i-1 and 2i (1-based); the taps at
    # distances 0.5, 1.5, 2.5, 3.5 get k(d / 2) / 2 with Keys' cubic (a = -0.5):
    # k(.25) = .8671875, k(.75) = .2265625, k(1.25) = -.0703125, k(1.75) = -.0234375.
    half = np.array([0.8671875, 0.2265625, -0.0703125, -0.0234375]) / 2
    taps = np.concatenate([half[::-1], half])
    img = _photo('coffee', 60, 120)[..., :1]
    out = Downsample(scale=2).apply(img, dict(name='Downsample', level=None, scale=2,
                                              blur=None))
    i, j = 10, 12  # 0-based output pixel; its taps are inputs 2i-3 .. 2i+4
    rows, cols = slice(2 * i - 3, 2 * i + 5), slice(2 * j - 3, 2 * j + 5)
    expected = taps @ img[rows, cols, 0].astype(np.float64) @ taps
    assert abs(out[i, j, 0] - expected) < 1e-6


def test_downsample_x2_close_to_opencv_on_smooth_photo():
    img = cv2.GaussianBlur(_photo('coffee', 50, 100, 256), (0, 0), 1.0)
    out, _ = Downsample(scale=2)(img, np.random.default_rng(0))
    assert _psnr(out, cv2.resize(img, (128, 128), interpolation=cv2.INTER_AREA)) > 35
    assert _psnr(out, cv2.resize(img, (128, 128), interpolation=cv2.INTER_CUBIC)) > 35


# -- JPEG ----------------------------------------------------------------------------------------
def test_jpeg_quality_100_is_close_and_10_is_far():
    img = _photo('coffee', 100, 200)
    op = JPEGCompression()
    high = op.apply(img, dict(name=op.name, level=None, quality=100))
    low = op.apply(img, dict(name=op.name, level=None, quality=10))
    assert _psnr(img, high) > 40
    assert _psnr(img, low) < 33
    assert low.dtype == np.float32 and 0 <= low.min() and low.max() <= 1
    # The order only says which channel is which: bgr on the reversed image agrees.
    bgr = JPEGCompression(channel_order='bgr').apply(img[..., ::-1], dict(quality=10))
    np.testing.assert_array_equal(bgr[..., ::-1], low)


# -- masks ---------------------------------------------------------------------------------------
@pytest.mark.parametrize('side', [1, 6, 30])
def test_box_mask_zeroes_side_squared_pixels(side):
    op = BoxMask(side_range=(side, side))
    img = _photo() + 0.01  # no zero pixels in the photo itself
    out, params = op(img, np.random.default_rng(side))
    holes = np.all(out == 0, axis=2)
    assert holes.sum() == side * side
    assert params['mask'].dtype == np.uint8 and params['mask'].sum() == 64 * 64 - side * side
    rows, cols = np.nonzero(holes)
    centre = (32 + params['shift'][0], 32 + params['shift'][1])
    assert rows.min() == centre[0] - side // 2 and cols.min() == centre[1] - side // 2
    np.testing.assert_array_equal(out[~holes], img[~holes])


def test_bernoulli_mask_drop_rate_same_for_all_channels():
    op = BernoulliMask(drop_range=(0.4, 0.4), fill=1.0)
    out, params = op(np.zeros((128, 128, 3), np.float32), np.random.default_rng(0))
    dropped = out == 1.0
    assert np.array_equal(dropped[..., 0], dropped[..., 2])
    assert abs(dropped[..., 0].mean() - 0.4) < 0.02
    np.testing.assert_array_equal(params['mask'], ~dropped[..., 0])


# -- registry, Compose ---------------------------------------------------------------------------
def test_unknown_type_suggests_close_names():
    with pytest.raises(KeyError, match='GaussianBlur'):
        DEGRADATIONS.build(dict(type='GausianBlur'))


def test_compose_blur_noise_jpeg_records_per_op_params():
    img = _photo('astronaut', 20, 200)
    op = build_degradation([dict(type='GaussianBlur'), dict(type='GaussianNoise'),
                            dict(type='JPEGCompression')])
    assert isinstance(op, Compose)
    out, params = op(img, np.random.default_rng(5), level=[2, 3, 4])
    assert params['name'] == 'Compose' and params['level'] == [2, 3, 4]
    blur, noise, jpeg = params['ops']
    assert (blur['name'], noise['name'], jpeg['name']) == (
        'GaussianBlur', 'GaussianNoise', 'JPEGCompression')
    assert 0.5 <= blur['sigma'] <= 1.0 and 10 <= noise['sigma'] <= 15
    assert 40 <= jpeg['quality'] <= 50
    # Chaining the single ops by hand gives the same image.
    expected = img
    for single, single_params in zip(op.ops, params['ops']):
        expected = single.apply(expected, single_params)
    np.testing.assert_array_equal(out, expected)
    _, same_level = op(img, np.random.default_rng(5), level=3)
    assert [p['level'] for p in same_level['ops']] == [3, 3, 3]
    with pytest.raises(ValueError, match='2 levels for 3 ops'):
        op.sample_params(np.random.default_rng(0), [1, 2])
    with pytest.raises(NotImplementedError, match=r'ops\[1\] GaussianNoise'):
        op.apply_torch(_to_torch(img), params)


def test_compose_of_linear_ops_has_a_torch_side():
    op = Compose(ops=[dict(type='GaussianBlur'), dict(type='Downsample', scale=2),
                      dict(type='BernoulliMask')])
    img = _photo('chelsea', 40, 100)
    out, params = op(img, np.random.default_rng(0))
    assert params['ops'][2]['mask'].shape == (32, 32)  # completed at the downsampled size
    np.testing.assert_allclose(out, _to_numpy(op.apply_torch(_to_torch(img), params)),
                               rtol=0, atol=1e-5)
