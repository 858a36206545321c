"""tools/infer.py --hole-mask / --noise-sigma: DL-Net restores a user's image with
the likelihood of its observed pixels, as tools/test.py does with recorded samples.

Oracle: the model's own forward on a data sample whose ``degradation_params``
record the same holes (a ``BernoulliMask`` with the observed mask, as the
``Degrade`` transform writes it) and noise, on the image normalised and padded
by hand, cropped and rounded as a PNG is. Tiled, each tile's mask is the
mask's crop (a 60 x 52 image in four tiles, against the model on each crop).
The flag changes the result (the head's reference network, K = 1, gives
another image); a model that reads no degradation refuses it; a mask of
another size is named.
"""
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from conftest import DEMO_CONFIG, REPO_ROOT, load_tool_module
from skimage import data as skdata

from irtoolbox.apis import init_model
from irtoolbox.structures import RestorationDataSample
from irtoolbox.utils.setup_env import init_weights_quietly

DLNET_UNET = osp.join(REPO_ROOT, 'configs', 'dlnet',
                      'dlnet_unet-d4-c16-k5_1xb16-300it_demo64-inpaint.py')
HW = (60, 52)  # padded to 64 x 64 by the model's size divisor 16


@pytest.fixture(scope='module')
def infer_main():
    main = load_tool_module('tools/infer.py').main
    return lambda *args: main([str(a) for a in args])


@pytest.fixture(scope='module')
def case(tmp_path_factory):
    """A checkpoint, a photo with holes, its hole mask (white = missing)."""
    folder = tmp_path_factory.mktemp('dlnet_infer')
    torch.manual_seed(0)
    model = init_model(DLNET_UNET)
    init_weights_quietly(model)
    checkpoint = folder / 'dlnet.pth'
    torch.save({'state_dict': model.state_dict()}, checkpoint)
    rng = np.random.default_rng(0)
    holes = rng.random(HW) < 0.3
    bgr = cv2.resize(skdata.astronaut()[..., ::-1], HW[::-1], interpolation=cv2.INTER_AREA)
    bgr = np.where(holes[..., None], 0, bgr).astype(np.uint8)
    cv2.imwrite(str(folder / 'photo.png'), bgr)
    cv2.imwrite(str(folder / 'holes.png'), holes.astype(np.uint8) * 255)
    return folder, checkpoint, holes


def by_hand(checkpoint, photo, holes, sigma, window=None):
    """The model on one recorded sample (the tools/test.py path), uint8 BGR."""
    model = init_model(DLNET_UNET, str(checkpoint)).eval()
    rgb = cv2.imread(str(photo))[..., ::-1].astype(np.float32) / 255
    observed = (~holes).astype(np.uint8)
    if window is not None:
        top, bottom, left, right = window
        rgb, observed = rgb[top:bottom, left:right], observed[top:bottom, left:right]
    h, w = observed.shape
    ops = [dict(name='BernoulliMask', drop=0.3, seed=0, mask=observed)]
    ops += [dict(name='GaussianNoise', sigma=sigma)] if sigma else []
    sample = RestorationDataSample(metainfo=dict(
        degradation_params=dict(name='Compose', ops=ops), input_shape=(h, w)))
    x = (torch.from_numpy(np.ascontiguousarray(rgb.transpose(2, 0, 1)))[None] - 0.5) / 0.5
    x = F.pad(x, (0, (-w) % 16, 0, (-h) % 16), mode='reflect')
    with torch.no_grad():
        out = model.forward_tensor(x, [sample])[0, :, :h, :w] * 0.5 + 0.5
    out = (out.clamp(0, 1).permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
    return np.ascontiguousarray(out[..., ::-1])


@pytest.mark.parametrize('sigma', [0.0, 25.0])
def test_hole_mask_restores_as_the_model_on_a_recorded_sample(infer_main, case, sigma):
    folder, checkpoint, holes = case
    out = folder / f'restored_{sigma:g}.png'
    assert infer_main(DLNET_UNET, checkpoint, folder / 'photo.png', out, '--hole-mask',
                      folder / 'holes.png', '--noise-sigma', sigma, '--device', 'cpu') == 0
    got = cv2.imread(str(out))
    expected = by_hand(checkpoint, folder / 'photo.png', holes, sigma)
    assert np.abs(got.astype(int) - expected).max() <= 1  # float rounding at .5
    plain = folder / 'plain.png'
    assert infer_main(DLNET_UNET, checkpoint, folder / 'photo.png', plain, '--device',
                      'cpu') == 0
    # the likelihood acts: K = 1 (the reference network, no mask) rounds to other values
    changed = np.count_nonzero(cv2.imread(str(plain)) != got) / got.size
    assert changed > 0.2, changed


def test_tiles_get_their_crop_of_the_mask(infer_main, case):
    folder, checkpoint, holes = case
    out = folder / 'tiled.png'
    assert infer_main(DLNET_UNET, checkpoint, folder / 'photo.png', out, '--hole-mask',
                      folder / 'holes.png', '--tile', 32, '--tile-overlap', 16,
                      '--device', 'cpu') == 0
    got = cv2.imread(str(out))
    # tile_grid(60, 52, 32, 16, 16): rows [0, 32) [16, 48) [32, 60), cols [0, 32) [16, 52);
    # each kept part cut in the middle of its overlap
    from irtoolbox.apis.tiling import tile_grid
    for row in tile_grid(*HW, 32, 16, 16):
        for t in row:
            part = by_hand(checkpoint, folder / 'photo.png', holes, 0.0,
                           (t.top, t.bottom, t.left, t.right))
            kept = part[t.keep_top - t.top:t.keep_bottom - t.top,
                        t.keep_left - t.left:t.keep_right - t.left]
            assert np.abs(got[t.keep_top:t.keep_bottom, t.keep_left:t.keep_right].astype(int)
                          - kept).max() <= 1, t


def test_a_model_without_readers_and_a_wrong_size_are_refused(infer_main, case, tmp_path,
                                                               capsys):
    folder, checkpoint, _ = case
    demo = init_model(DEMO_CONFIG)
    demo_ckpt = tmp_path / 'demo.pth'
    torch.save({'state_dict': demo.state_dict()}, demo_ckpt)
    assert infer_main(DEMO_CONFIG, demo_ckpt, folder / 'photo.png', tmp_path / 'x.png',
                      '--hole-mask', folder / 'holes.png', '--device', 'cpu') == 1
    assert 'reads an image' in capsys.readouterr().err
    cv2.imwrite(str(tmp_path / 'small.png'), np.zeros((10, 10), np.uint8))
    assert infer_main(DLNET_UNET, checkpoint, folder / 'photo.png', tmp_path / 'y.png',
                      '--hole-mask', tmp_path / 'small.png', '--device', 'cpu') == 1
    err = capsys.readouterr().err
    assert 'mask is 10 x 10, the image 60 x 52' in err, err
    assert not (tmp_path / 'y.png').exists()
