"""The all-in-one degradation operators: pure functions of seed and params, and
hand-checkable limits (beta 0 / zero noise / zero intensity are identities or
closed forms; a blur kernel sums to 1 and keeps constants)."""
import json

import numpy as np
import pytest
from skimage import data

from irtoolbox.degradations.haze import smooth_depth
from irtoolbox.degradations.motion_blur import trajectory_kernel
from irtoolbox.degradations.rain import rain_layer
from irtoolbox.registry import DEGRADATIONS

OPS = ['Haze', 'LowLight', 'RainStreaks', 'MotionBlur']


def _photo(size=48):
    return data.astronaut()[100:100 + size, 180:180 + size].astype(np.float32) / 255.0


@pytest.mark.parametrize('name', OPS)
def test_operator_is_a_pure_function_of_its_seed_and_params(name):
    op = DEGRADATIONS.build(dict(type=name))
    img = _photo()
    before = img.copy()
    out1, params1 = op(img, np.random.default_rng(5))
    out2, params2 = op(img, np.random.default_rng(5))
    assert params1 == params2 and np.array_equal(out1, out2)
    assert np.array_equal(op.apply(img, json.loads(json.dumps(params1))), out1)  # plain params
    assert np.array_equal(img, before)  # input untouched
    out3, _ = op(img, np.random.default_rng(6))
    assert not np.array_equal(out1, out3)
    assert out1.dtype == np.float32 and out1.shape == img.shape
    assert 0 <= out1.min() and out1.max() <= 1 and np.abs(out1 - img).mean() > 0.01


def test_haze_follows_the_scattering_model():
    op = DEGRADATIONS.build(dict(type='Haze'))
    img = _photo()
    params = dict(op.sample_params(np.random.default_rng(0)), beta=1.5, airlight=0.9)
    out = op.apply(img, params)
    depth = smooth_depth(img.shape[:2], params['seed'], params['grid'], params['ramp'])
    near, far = np.unravel_index(depth.argmin(), depth.shape), np.unravel_index(depth.argmax(),
                                                                               depth.shape)
    np.testing.assert_allclose(out[near], img[near], atol=1e-6)  # d = 0: t = 1
    t = np.exp(-1.5)
    np.testing.assert_allclose(out[far], img[far] * t + 0.9 * (1 - t), atol=1e-5)
    assert np.array_equal(op.apply(img, dict(params, beta=0.0)), img)


def test_low_light_without_noise_is_scaled_gamma():
    op = DEGRADATIONS.build(dict(type='LowLight'))
    img = _photo()
    params = dict(op.sample_params(np.random.default_rng(1)), gamma=2.2, scale=0.4, sigma=0.0)
    np.testing.assert_allclose(op.apply(img, params), 0.4 * img.astype(np.float64) ** 2.2,
                               atol=1e-6)


def test_rain_is_additive_and_oriented():
    op = DEGRADATIONS.build(dict(type='RainStreaks'))
    img = _photo(64)
    params = dict(op.sample_params(np.random.default_rng(2)), angle=0.0, length=15)
    out = op.apply(img, params)
    assert np.all(out >= img - 1e-7)
    assert np.array_equal(op.apply(img, dict(params, intensity=0.0)), img)
    layer = rain_layer((64, 64), params) - rain_layer((64, 64), params).mean()
    vertical = (layer[3:] * layer[:-3]).mean()  # correlation 3 pixels apart
    horizontal = (layer[:, 3:] * layer[:, :-3]).mean()
    assert vertical > 2 * horizontal  # vertical streaks at angle 0


def test_motion_kernel_is_normalised_and_keeps_constants():
    kernel = trajectory_kernel(21, 12.0, seed=3)
    assert kernel.shape == (21, 21) and kernel.min() >= 0
    np.testing.assert_allclose(kernel.sum(), 1.0, atol=1e-6)
    assert (kernel > 0).sum() > 5  # a path, not a point
    op = DEGRADATIONS.build(dict(type='MotionBlur'))
    flat = np.full((32, 32, 3), 0.3, np.float32)
    out, _ = op(flat, np.random.default_rng(4))
    np.testing.assert_allclose(out, flat, atol=1e-6)
