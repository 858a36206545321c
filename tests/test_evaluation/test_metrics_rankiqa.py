"""RankIQA: the .caffemodel reader, the converter and the metric.

Oracles, all written here independently of the code under test:
- a minimal protobuf encoder (``_Proto`` below, from the wire-format spec)
  writes .caffemodel files in both Caffe layouts (``layer``, field 100, and
  the legacy V1 ``layers``, field 2, with legacy 4-D blobs and unpacked
  floats), which must read back bit-equal;
- a VGG16 forward written with ``F.conv2d`` / ``F.max_pool2d`` / ``F.linear``
  from the numpy blobs, on crops drawn by the release's formula
  (``FT_eval_all_live.py``: ``np.random.randint(x - 224, size=1)[0]``, then
  the same for y) from ``np.random.RandomState(seed)``, of the image as
  ``cv2.imread`` returns it (a PNG written and read back).
A narrow network (widths 4, 8, 8, 8, 8; fc 16) keeps it fast.
"""
import struct
from typing import Dict, List

import cv2
import numpy as np
import pytest
import skimage.data
import torch
import torch.nn.functional as F
from conftest import load_tool_module
from mmengine.evaluator import Evaluator
from mmengine.registry import DefaultScope

from irtoolbox.evaluation.metrics import RankIQA
from irtoolbox.structures.data_sample import RestorationDataSample
from irtoolbox.utils.caffemodel import CaffeModelError, read_caffemodel

WIDTHS, FC = (4, 8, 8, 8, 8), 16
DEPTHS = (2, 2, 3, 3, 3)


class _Proto:
    """Protobuf wire encoding: varint keys ``field << 3 | wire type``."""

    @staticmethod
    def varint(n: int) -> bytes:
        n &= (1 << 64) - 1  # negatives as 10-byte two's complement
        out = bytearray()
        while True:
            low, n = n & 0x7F, n >> 7
            out.append(low | (0x80 if n else 0))
            if not n:
                return bytes(out)

    @classmethod
    def key(cls, field: int, wire: int) -> bytes:
        return cls.varint(field << 3 | wire)

    @classmethod
    def num(cls, field: int, n: int) -> bytes:
        return cls.key(field, 0) + cls.varint(n)

    @classmethod
    def ld(cls, field: int, payload: bytes) -> bytes:
        return cls.key(field, 2) + cls.varint(len(payload)) + payload


def _blob_new(array: np.ndarray) -> bytes:
    """BlobProto with ``shape`` (7, packed int64 dims) and packed float ``data`` (5)."""
    dims = b''.join(_Proto.varint(d) for d in array.shape)
    return (_Proto.ld(7, _Proto.ld(1, dims))
            + _Proto.ld(5, array.astype('<f4').tobytes()))


def _blob_legacy(array: np.ndarray, double: bool = False) -> bytes:
    """BlobProto with num/channels/height/width (1-4) and unpacked float data (or double_data)."""
    shape4 = (1,) * (4 - array.ndim) + array.shape
    out = b''.join(_Proto.num(f, d) for f, d in zip((1, 2, 3, 4), shape4))
    if double:
        return out + _Proto.ld(8, array.astype('<f8').tobytes())
    return out + b''.join(_Proto.key(5, 5) + struct.pack('<f', v) for v in array.ravel())


def _layer_names() -> List[str]:
    convs = [f'conv{s + 1}_{k + 1}' for s, d in enumerate(DEPTHS) for k in range(d)]
    return convs + ['fc6', 'fc7', 'fc8']


def _blobs(seed: int = 0) -> Dict[str, List[np.ndarray]]:
    """He-scaled float32 weights and biases of the narrow VGG16, in Caffe's shapes."""
    rng = np.random.default_rng(seed)
    shapes, c = {}, 3
    for s, d in enumerate(DEPTHS):
        for k in range(d):
            shapes[f'conv{s + 1}_{k + 1}'] = (WIDTHS[s], c, 3, 3)
            c = WIDTHS[s]
    shapes.update(fc6=(FC, c * 7 * 7), fc7=(FC, FC), fc8=(1, FC))
    return {name: [(rng.standard_normal(sh) * np.sqrt(2 / np.prod(sh[1:]))).astype(np.float32),
                   (0.1 * rng.standard_normal(sh[0])).astype(np.float32)]
            for name, sh in shapes.items()}


def _caffemodel(blobs: Dict[str, List[np.ndarray]], v1: bool = False) -> bytes:
    net = _Proto.ld(1, b'rankiqa_test')  # NetParameter.name, skipped by the reader
    previous = 'data'
    for name, (w, b) in blobs.items():
        if v1:  # V1LayerParameter: bottom 2, top 3, name 4, type 5 (enum), blobs 6
            body = (_Proto.ld(2, previous.encode()) + _Proto.ld(3, name.encode())
                    + _Proto.ld(4, name.encode()) + _Proto.num(5, 4 if name[0] == 'c' else 14)
                    + _Proto.ld(6, _blob_legacy(w)) + _Proto.ld(6, _blob_legacy(b, double=True)))
            net += _Proto.ld(2, body)
            net += _Proto.ld(2, _Proto.ld(4, b'relu') + _Proto.num(5, 18))  # no blobs
        else:  # LayerParameter: name 1, type 2, bottom 3, top 4, blobs 7
            kind = b'Convolution' if name[0] == 'c' else b'InnerProduct'
            body = (_Proto.ld(1, name.encode()) + _Proto.ld(2, kind)
                    + _Proto.ld(3, previous.encode()) + _Proto.ld(4, name.encode())
                    + _Proto.ld(7, _blob_new(w)) + _Proto.ld(7, _blob_new(b)))
            net += _Proto.ld(100, body)
            net += _Proto.ld(100, _Proto.ld(1, f'relu_{name}'.encode()) + _Proto.ld(2, b'ReLU'))
        previous = name
    return net


def _forward(blobs: Dict[str, List[np.ndarray]], crops: np.ndarray) -> np.ndarray:
    """fc8 of ``N x 224 x 224 x 3`` BGR crops (0..255 floats), VGG16 written out."""
    x = torch.from_numpy(crops.astype(np.float32)).permute(0, 3, 1, 2)
    names = iter(_layer_names())
    for d in DEPTHS:
        for _ in range(d):
            w, b = blobs[next(names)]
            x = F.relu(F.conv2d(x, torch.from_numpy(w), torch.from_numpy(b), padding=1))
        x = F.max_pool2d(x, kernel_size=2, stride=2)
    x = x.reshape(len(x), -1)
    for name in ('fc6', 'fc7'):
        x = F.relu(F.linear(x, *map(torch.from_numpy, blobs[name])))
    return F.linear(x, *map(torch.from_numpy, blobs['fc8']))[:, 0].double().numpy()


def _released_crops(im: np.ndarray, num: int, seed: int) -> np.ndarray:
    """The release's crops (FT_eval_all_live.py), from RandomState(seed) instead of the global."""
    rs = np.random.RandomState(seed)
    crops = []
    for _ in range(num):
        x, y = im.shape[0], im.shape[1]
        x_p = rs.randint(x - 224, size=1)[0]
        y_p = rs.randint(y - 224, size=1)[0]
        crops.append(im[x_p:x_p + 224, y_p:y_p + 224, :])
    return np.stack(crops)


def _imread(rgb: np.ndarray, tmp_path) -> np.ndarray:
    """The photograph as the release reads it: a PNG through cv2.imread (BGR uint8)."""
    path = str(tmp_path / 'photo.png')
    cv2.imwrite(path, rgb[..., ::-1])
    return cv2.imread(path)


@pytest.fixture(scope='module')
def converted(tmp_path_factory):
    """(blobs, converted weights path, converter stdout)."""
    folder = tmp_path_factory.mktemp('rankiqa')
    blobs = _blobs()
    (folder / 'FT_live.caffemodel').write_bytes(_caffemodel(blobs))
    tool = load_tool_module('tools/model_converters/rankiqa_caffe.py')
    import contextlib
    import io
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        rc = tool.main([str(folder / 'FT_live.caffemodel'), str(folder / 'rankiqa.pth')])
    assert rc == 0
    return blobs, str(folder / 'rankiqa.pth'), out.getvalue()


@pytest.mark.parametrize('v1', [False, True], ids=['layer', 'V1 layers'])
def test_caffemodel_reads_back_bit_equal(tmp_path, v1):
    blobs = _blobs(seed=1)
    path = tmp_path / 'net.caffemodel'
    path.write_bytes(_caffemodel(blobs, v1=v1))
    layers = read_caffemodel(str(path))
    assert list(layers) == _layer_names()  # ReLU layers have no blobs
    for name, (w, b) in blobs.items():
        got_w, got_b = layers[name]
        # V1 blobs are legacy 4-D (num, channels, height, width); its biases are double_data
        want_w = w.reshape((1,) * (4 - w.ndim) + w.shape) if v1 else w
        want_b = b.astype(np.float64).reshape(1, 1, 1, -1) if v1 else b
        assert got_w.dtype == want_w.dtype and got_w.shape == want_w.shape
        assert got_w.tobytes() == want_w.tobytes(), name
        assert got_b.dtype == want_b.dtype and got_b.tobytes() == want_b.tobytes(), name


def test_converter_counts_and_meta(converted):
    blobs, path, printed = converted
    params = sum(a.size for pair in blobs.values() for a in pair)
    assert f'converted {2 * len(blobs)} tensors, {params:,} parameters' in printed
    ckpt = torch.load(path, weights_only=True)
    assert ckpt['meta']['converter'] == 'rankiqa_caffe'
    assert ckpt['meta']['converted_from'] == 'FT_live.caffemodel'
    import hashlib
    assert ckpt['meta']['source_sha256'] == hashlib.sha256(_caffemodel(blobs)).hexdigest()
    assert torch.equal(ckpt['state_dict']['fc6.weight'], torch.from_numpy(blobs['fc6'][0]))


def test_converter_takes_legacy_v1_layers(converted, tmp_path):
    blobs, path, _ = converted
    (tmp_path / 'v1.caffemodel').write_bytes(_caffemodel(blobs, v1=True))
    tool = load_tool_module('tools/model_converters/rankiqa_caffe.py')
    assert tool.main([str(tmp_path / 'v1.caffemodel'), str(tmp_path / 'v1.pth')]) == 0
    state = torch.load(tmp_path / 'v1.pth', weights_only=True)['state_dict']
    assert sorted(state) == sorted(f'{n}.{p}' for n in blobs for p in ('weight', 'bias'))
    for name, (w, b) in blobs.items():  # legacy 1 x 1 x out x in and double biases undone
        assert torch.equal(state[f'{name}.weight'], torch.from_numpy(w)), name
        assert torch.equal(state[f'{name}.bias'], torch.from_numpy(b)), name


@pytest.mark.parametrize('reduce', ['mean', 'median'])
def test_score_equals_written_out_vgg_on_released_crops(converted, tmp_path, reduce):
    blobs, path, _ = converted
    # 225 rows: the exclusive bound leaves one corner row (0); 320 columns: 96 corners
    rgb = skimage.data.astronaut()[:225, 40:360]
    crop_fc8 = _forward(blobs, _released_crops(_imread(rgb, tmp_path), 6, seed=3))
    assert np.ptp(crop_fc8) > 1e-3 * np.abs(crop_fc8).max()  # the crops differ: the draw matters
    want = np.mean(crop_fc8) if reduce == 'mean' else np.median(crop_fc8)
    metric = RankIQA(weights_path=path, num_crops=6, reduce=reduce, seed=3, batch_size=4)
    assert metric.compute_image(rgb, None, 'rgb') == pytest.approx(want, rel=1e-5)
    # (e) the BGR image scored as BGR: the same
    assert metric.compute_image(rgb[..., ::-1].copy(), None, 'bgr') == pytest.approx(
        want, rel=1e-5)


def test_resize_256_is_cv2_resize_then_crops(converted, tmp_path):
    blobs, path, _ = converted
    rgb = skimage.data.coffee()[:200, :300]  # under 225 px high: needs the resize
    resized = cv2.resize(_imread(rgb, tmp_path), (256, 256), interpolation=cv2.INTER_LINEAR)
    crop_fc8 = _forward(blobs, _released_crops(resized, 4, seed=0))
    metric = RankIQA(weights_path=path, num_crops=4, resize=256)
    assert metric.compute_image(rgb, None, 'rgb') == pytest.approx(np.mean(crop_fc8), rel=1e-5)
    with pytest.raises(ValueError, match=r'at least 225 px a side.*got 200 x 300.*resize=256'):
        RankIQA(weights_path=path, num_crops=4).compute_image(rgb, None, 'rgb')


def test_evaluator_reads_rgb_samples_as_bgr(converted, tmp_path):
    blobs, path, _ = converted
    rgb = skimage.data.chelsea()[:, :300]  # 300 x 300
    want = np.mean(_forward(blobs, _released_crops(_imread(rgb, tmp_path), 3, seed=0)))
    sample = RestorationDataSample(metainfo=dict(channel_order='rgb'))
    sample.pred_img = torch.from_numpy(rgb.transpose(2, 0, 1).copy()).float() / 255
    with DefaultScope.overwrite_default_scope('irtoolbox'):
        evaluator = Evaluator([dict(type='RankIQA', weights_path=path, num_crops=3)])
    evaluator.process(data_samples=[sample.to_dict()])
    assert evaluator.evaluate(1)['RankIQA'] == pytest.approx(want, rel=1e-5)


def test_missing_weights_and_broken_caffemodel_are_named(tmp_path, capsys):
    with pytest.raises(FileNotFoundError, match=r'rankiqa_ft_live\.pth.*FT_live\.caffemodel.*'
                       r'rankiqa_caffe\.py'):
        RankIQA(weights_path=str(tmp_path / 'rankiqa_ft_live.pth'))
    data = _caffemodel(_blobs())
    cut = tmp_path / 'cut.caffemodel'
    cut.write_bytes(data[:len(data) // 2])
    with pytest.raises(CaffeModelError, match=r'cut\.caffemodel is not a valid .*at byte \d+'):
        read_caffemodel(str(cut))
    tool = load_tool_module('tools/model_converters/rankiqa_caffe.py')
    assert tool.main([str(cut), str(tmp_path / 'out.pth')]) == 1
    err = capsys.readouterr().err
    assert err.count('\n') == 1 and 'cut.caffemodel' in err and 'at byte' in err
    assert not (tmp_path / 'out.pth').exists()
    # a model without fc8: the first missing key is named, nothing written
    blobs = _blobs()
    del blobs['fc8']
    (tmp_path / 'nofc8.caffemodel').write_bytes(_caffemodel(blobs))
    assert tool.main([str(tmp_path / 'nofc8.caffemodel'), str(tmp_path / 'out.pth')]) == 1
    assert "'fc8.weight' (1, 16) is missing" in capsys.readouterr().err
    assert not (tmp_path / 'out.pth').exists()


def test_full_size_network_is_vgg16_with_one_output():
    from irtoolbox.evaluation.metrics.rankiqa import RankIQANet
    with torch.device('meta'):  # shapes only: no 0.5 GB of weights
        net = RankIQANet()
    # torchvision's VGG16 has 138,357,544 parameters; fc8 4096 x 1000 + 1000 becomes 4096 + 1
    assert sum(p.numel() for p in net.parameters()) == 138_357_544 - 4096 * 1000 - 1000 + 4097
    assert tuple(net.fc6.weight.shape) == (4096, 512 * 7 * 7)
