"""RankIQA, the learned no-reference metric the degradation-model paper scores with.

Liu, van de Weijer and Bagdanov, "RankIQA: Learning from Rankings for
No-reference Image Quality Assessment", ICCV 2017: a VGG16 trained to rank
synthetically distorted images, then fine-tuned on LIVE to regress its DMOS
(about 0 to 100, lower is better). Released in Caffe by xialeiliu/RankIQA
(``pre-trained/FT_live.caffemodel``; ``src/FT/live/deploy_vgg.prototxt``,
``src/eval/FT_eval_all_live.py``); converted by
``tools/model_converters/rankiqa_caffe.py``.

As released, the network scores 224 x 224 crops of the image exactly as
``cv2.imread`` returns it: BGR, values 0..255 as floats, no mean subtraction
and no scaling. A crop's top-left corner is ``(np.random.randint(H - 224),
np.random.randint(W - 224))`` (exclusive bounds, so an image needs at least
225 pixels a side), drawn row then column for each crop in turn; the image's
score is the mean (and, also reported, the median) of the crops' ``fc8``.
The release draws 30 crops from numpy's global generator; the
degradation-model paper (Sec. 4.4.3, Table 2) draws 100, reports mean and
median, and as a second strategy first resizes the image to 256 x 256 (the
resize method is not stated: ``cv2.resize`` with ``INTER_LINEAR`` on the 8-bit
BGR image is this implementation's choice).
"""
from typing import Any, Optional, Sequence, Tuple

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from irtoolbox.registry import METRICS

from .metric_weights import load_exact, load_state_dict, resolve_weights
from .no_reference_metric import BaseNoReferenceMetric

RANKIQA_WEIGHTS_NAME = 'rankiqa_ft_live.pth'
RANKIQA_WEIGHTS_SOURCE = (
    'FT_live.caffemodel of xialeiliu/RankIQA (the links in its pre-trained/README.md: '
    'https://pan.baidu.com/s/1jIabZKU or https://drive.google.com/drive/folders/'
    '1S55n7tHBfJop3Z-nDjHXvEc34HmHowZt), converted with `python '
    'tools/model_converters/rankiqa_caffe.py FT_live.caffemodel '
    'checkpoints/metrics/rankiqa_ft_live.pth`')
CROP = 224  # the deploy prototxt's input size
VGG16_WIDTHS = (64, 128, 256, 512, 512)
VGG16_DEPTHS = (2, 2, 3, 3, 3)  # convolutions per stage: conv1_1..conv5_3
FC_CHANNELS = 4096


def vgg16_conv_names() -> Tuple[str, ...]:
    """``conv1_1 .. conv5_3``, the release's layer names, in forward order."""
    return tuple(f'conv{stage + 1}_{k + 1}' for stage, depth in enumerate(VGG16_DEPTHS)
                 for k in range(depth))


class RankIQANet(nn.Module):
    """RankIQA's VGG16 regressor (Liu et al., ICCV 2017), as deploy_vgg.prototxt.

    Thirteen 3 x 3 convolutions (padding 1, ReLU) in five stages, each
    followed by a 2 x 2 max pool of stride 2; ``fc6`` and ``fc7`` (ReLU; the
    prototxt's dropout is inactive at test time) and ``fc8`` with one output,
    the score. Parameters are named after the release's layers
    (``conv1_1.weight`` ... ``fc8.bias``).

    Args:
        widths: output channels of the five stages. Default: ``(64, 128, 256, 512, 512)``.
        fc_channels: width of ``fc6`` and ``fc7``. Default: 4096.
        in_size: crop side the fully connected layers are sized for. Default: 224.
    """

    def __init__(self, widths: Sequence[int] = VGG16_WIDTHS, fc_channels: int = FC_CHANNELS,
                 in_size: int = CROP) -> None:
        super().__init__()
        if len(widths) != len(VGG16_DEPTHS):
            raise ValueError(f'RankIQANet takes five stage widths, got {tuple(widths)}')
        self.widths, self.fc_channels = tuple(widths), fc_channels
        self.conv_names = vgg16_conv_names()
        channels = 3
        names = iter(self.conv_names)
        for width, depth in zip(self.widths, VGG16_DEPTHS):
            for _ in range(depth):
                setattr(self, next(names), nn.Conv2d(channels, width, 3, padding=1))
                channels = width
        side = in_size // 2 ** len(VGG16_DEPTHS)  # five 2 x 2 pools: 224 -> 7
        # Caffe flattens pool5 as C, H, W, as torch's flatten of N x C x H x W does
        self.fc6 = nn.Linear(channels * side * side, fc_channels)
        self.fc7 = nn.Linear(fc_channels, fc_channels)
        self.fc8 = nn.Linear(fc_channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: ``N x 3 x 224 x 224`` BGR crops, values 0..255. Returns: ``N`` scores (fc8)."""
        names = iter(self.conv_names)
        for depth in VGG16_DEPTHS:
            for _ in range(depth):
                x = F.relu(getattr(self, next(names))(x))
            x = F.max_pool2d(x, 2, 2)
        x = F.relu(self.fc6(x.flatten(1)))
        x = F.relu(self.fc7(x))
        return self.fc8(x)[:, 0]


def widths_of_state(state: dict) -> Tuple[Tuple[int, ...], int]:
    """``(stage widths, fc width)`` read from a RankIQANet state dict's shapes.

    Raises:
        KeyError: ``conv{k}_1.weight`` or ``fc6.weight`` is absent (naming it).
    """
    keys = [f'conv{stage + 1}_1.weight' for stage in range(len(VGG16_DEPTHS))] + ['fc6.weight']
    for key in keys:
        if key not in state:
            raise KeyError(f'{key} is missing: not a RankIQANet state dict')
    widths = tuple(int(state[key].shape[0]) for key in keys[:-1])
    return widths, int(state['fc6.weight'].shape[0])


def crop_corners(height: int, width: int, num_crops: int, seed: int) -> np.ndarray:
    """``num_crops x 2`` top-left corners (row, column) of 224 x 224 crops.

    The release's formula, ``np.random.randint(H - 224)`` then
    ``np.random.randint(W - 224)`` for each crop in turn, drawn from
    ``np.random.RandomState(seed)`` (one fresh generator per image, so a score
    does not depend on which images were scored before it).
    """
    rng = np.random.RandomState(seed)
    corners = np.empty((num_crops, 2), dtype=np.int64)
    for j in range(num_crops):
        corners[j, 0] = rng.randint(height - CROP)
        corners[j, 1] = rng.randint(width - CROP)
    return corners


@METRICS.register_module()
class RankIQA(BaseNoReferenceMetric):
    """RankIQA score of ``pred_img`` (no reference; LIVE DMOS-like, lower is better).

    Args:
        weights_path: the converted ``FT_live.caffemodel``
            (``tools/model_converters/rankiqa_caffe.py``); ``None`` means
            ``checkpoints/metrics/rankiqa_ft_live.pth``. The network's widths
            are read from the file's shapes. Default: ``None``.
        num_crops: random 224 x 224 crops per image (the paper 100, the
            release 30). Default: 100.
        reduce: ``'mean'`` or ``'median'`` of the crops' scores (the paper
            reports both). Default: ``'mean'``.
        resize: ``None``, or a side to resize the image to first (the
            paper's second strategy: 256; ``cv2.resize``, ``INTER_LINEAR``,
            on the 8-bit BGR image). Default: ``None``.
        seed: seed of the ``np.random.RandomState`` that draws each image's
            crops (see :func:`crop_corners`). Default: 0.
        batch_size: crops per forward pass. Default: 10.
        device: where the network runs ('cpu' or 'cuda'). Default: ``'cpu'``.
        **kwargs: as :class:`BaseRestorationMetric` (``crop_border``,
            ``group_by``, ``prefix``, ``pred_key``...); ``test_y_channel`` is
            not taken (the network reads BGR).
    """

    metric_name = 'RankIQA'

    def __init__(self, weights_path: Optional[str] = None, num_crops: int = 100,
                 reduce: str = 'mean', resize: Optional[int] = None, seed: int = 0,
                 batch_size: int = 10, device: str = 'cpu', **kwargs: Any) -> None:
        if kwargs.get('test_y_channel'):
            raise TypeError('RankIQA is computed on BGR images; remove test_y_channel')
        if reduce not in ('mean', 'median'):
            raise ValueError(f"reduce must be 'mean' or 'median', got {reduce!r}")
        if num_crops < 1 or batch_size < 1:
            raise ValueError(f'num_crops and batch_size must be >= 1, got {num_crops}, '
                             f'{batch_size}')
        if resize is not None and resize <= CROP:
            raise ValueError(f'resize must be None or > {CROP} (crops are {CROP} px and their '
                             f'corner is drawn below side - {CROP}), got {resize}')
        super().__init__(**kwargs)
        self.num_crops, self.reduce, self.resize = num_crops, reduce, resize
        self.seed, self.batch_size = seed, batch_size
        self.weights_path = resolve_weights(weights_path, RANKIQA_WEIGHTS_NAME,
                                            'the RankIQA weights', RANKIQA_WEIGHTS_SOURCE)
        state = load_state_dict(self.weights_path)
        widths, fc_channels = widths_of_state(state)
        self.network = RankIQANet(widths, fc_channels)
        load_exact(self.network, state, self.weights_path)
        self.device = torch.device(device)
        self.network.to(self.device).eval()

    def crop_scores(self, bgr: np.ndarray) -> np.ndarray:
        """fc8 of each crop of a uint8 ``H x W x 3`` BGR image (after ``resize``)."""
        if self.resize is not None:
            bgr = cv2.resize(bgr, (self.resize, self.resize), interpolation=cv2.INTER_LINEAR)
        height, width = bgr.shape[:2]
        if min(height, width) <= CROP:
            raise ValueError(f'RankIQA needs images of at least {CROP + 1} px a side (the '
                             f'release draws crop corners below side - {CROP}), got '
                             f'{height} x {width}; set resize=256 to score smaller images')
        crops = np.stack([bgr[r:r + CROP, c:c + CROP]
                          for r, c in crop_corners(height, width, self.num_crops, self.seed)])
        scores = []
        with torch.no_grad():
            for start in range(0, len(crops), self.batch_size):
                batch = torch.from_numpy(crops[start:start + self.batch_size]).to(self.device)
                # values 0..255 as floats, no mean subtraction: what the release feeds Caffe
                scores.append(self.network(batch.permute(0, 3, 1, 2).float()).cpu().numpy())
        return np.concatenate(scores).astype(np.float64)

    def compute_image(self, pred: np.ndarray, gt: None, channel_order: str) -> float:
        """RankIQA of one uint8 ``H x W x 3`` image in ``channel_order``."""
        if pred.ndim != 3 or pred.shape[2] != 3:
            raise ValueError(f'RankIQA takes 3-channel images, got shape {pred.shape}')
        if self.crop_border:
            b = self.crop_border
            pred = pred[b:-b, b:-b]
        bgr = pred if channel_order == 'bgr' else pred[..., ::-1]
        scores = self.crop_scores(np.ascontiguousarray(bgr))
        return float(np.mean(scores) if self.reduce == 'mean' else np.median(scores))
