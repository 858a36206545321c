"""LPIPS (Zhang et al., "The unreasonable effectiveness of deep features as a
perceptual metric", CVPR 2018, Eq. 1), version 0.1 of the authors' package.

Both images (RGB, scaled to [-1, 1]) are shifted and scaled per channel
(shift (-0.030, -0.088, -0.188), scale (0.458, 0.448, 0.450), the package's
``ScalingLayer``), passed through an ImageNet backbone (AlexNet: the five
ReLU outputs after conv1..conv5; VGG16: relu1_2, relu2_2, relu3_3, relu4_3,
relu5_3), each feature map is unit-normalised along channels (``x / (||x|| +
1e-10)``), the squared difference is weighted per channel by the learned
non-negative linear head ``w_l`` (a 1 x 1 convolution without bias), averaged
over space and summed over the five layers::

    d(x, x0) = sum_l 1 / (H_l W_l) sum_hw || w_l * (y_hw^l - y0_hw^l) ||^2

Weights are local files: the backbone is torchvision's ImageNet checkpoint
(``features.*`` keys; the classifier is ignored) and the heads are the lpips
package's ``weights/v0.1/{alex,vgg}.pth`` (``lin{l}.model.1.weight``).
Written in plain torch (torchvision is not needed). Lower is more similar.
"""
from typing import Any, Dict, List, Optional

import numpy as np
import torch
from torch import nn

from irtoolbox.registry import METRICS

from .base_restoration_metric import BaseRestorationMetric
from .metric_weights import load_state_dict, resolve_weights

_SHIFT = (-0.030, -0.088, -0.188)
_SCALE = (0.458, 0.448, 0.450)

# torchvision's ``features`` layouts: a conv as (out channels, kernel, stride,
# padding), 'M' a max-pool (kernel 3 stride 2 for AlexNet, 2 / 2 for VGG).
_ALEXNET = [(64, 11, 4, 2), 'M', (192, 5, 1, 2), 'M', (384, 3, 1, 1), (256, 3, 1, 1),
            (256, 3, 1, 1), 'M']
_VGG16 = [(64, 3, 1, 1), (64, 3, 1, 1), 'M', (128, 3, 1, 1), (128, 3, 1, 1), 'M',
          (256, 3, 1, 1), (256, 3, 1, 1), (256, 3, 1, 1), 'M', (512, 3, 1, 1), (512, 3, 1, 1),
          (512, 3, 1, 1), 'M', (512, 3, 1, 1), (512, 3, 1, 1), (512, 3, 1, 1), 'M']
# index in ``features`` of the ReLU whose output each layer of LPIPS uses
_TAPS = {'alex': (1, 4, 7, 9, 11), 'vgg': (3, 8, 15, 22, 29)}
_POOL = {'alex': 3, 'vgg': 2}

BACKBONE_FILES = {
    'alex': ('alexnet-owt-7be5be79.pth',
             'https://download.pytorch.org/models/alexnet-owt-7be5be79.pth (torchvision)'),
    'vgg': ('vgg16-397923af.pth',
            'https://download.pytorch.org/models/vgg16-397923af.pth (torchvision)')}
HEAD_FILES = {
    net: (f'lpips_v0.1_{net}.pth',
          f'the lpips package on PyPI (`pip download lpips --no-deps`; the wheel\'s '
          f'lpips/weights/v0.1/{net}.pth, saved under this name)') for net in ('alex', 'vgg')}


def _features(net: str) -> nn.Sequential:
    layers: List[nn.Module] = []
    in_channels = 3
    for item in _ALEXNET if net == 'alex' else _VGG16:
        if item == 'M':
            layers.append(nn.MaxPool2d(_POOL[net], 2))
            continue
        out_channels, kernel, stride, padding = item
        layers += [nn.Conv2d(in_channels, out_channels, kernel, stride, padding),
                   nn.ReLU(inplace=False)]
        in_channels = out_channels
    return nn.Sequential(*layers)


class LPIPSNet(nn.Module):
    """The LPIPS distance network; ``forward(x, y)`` of ``N x 3 x H x W`` RGB in [-1, 1].

    Args:
        net: 'alex' (the package's default) or 'vgg'.
    """

    def __init__(self, net: str = 'alex') -> None:
        super().__init__()
        if net not in _TAPS:
            raise ValueError(f"LPIPS net must be 'alex' or 'vgg', got {net!r}")
        self.net = net
        self.features = _features(net)
        widths = [self.features[i - 1].out_channels for i in _TAPS[net]]
        self.heads = nn.ParameterList(nn.Parameter(torch.zeros(1, c, 1, 1)) for c in widths)
        self.register_buffer('shift', torch.tensor(_SHIFT).view(1, 3, 1, 1))
        self.register_buffer('scale', torch.tensor(_SCALE).view(1, 3, 1, 1))

    def load_weights(self, backbone: Dict[str, torch.Tensor], heads: Dict[str, torch.Tensor],
                     backbone_path: str = 'backbone', head_path: str = 'heads') -> None:
        """torchvision's ``features.*`` tensors and the package's ``lin{l}.model.1.weight``."""
        own = self.features.state_dict()
        for key, param in own.items():
            name = f'features.{key}'
            if name not in backbone:
                raise KeyError(f'{backbone_path} lacks {name} (a torchvision {self.net} '
                               f'checkpoint has features.<index>.weight / .bias)')
            if backbone[name].shape != param.shape:
                raise ValueError(f'{backbone_path}: {name} has shape '
                                 f'{tuple(backbone[name].shape)}, {self.net} needs '
                                 f'{tuple(param.shape)}')
            param.copy_(backbone[name])
        for layer, head in enumerate(self.heads):
            name = f'lin{layer}.model.1.weight'
            if name not in heads or heads[name].shape != head.shape:
                raise KeyError(f'{head_path} must hold {name} of shape {tuple(head.shape)} '
                               f'(the lpips package\'s v0.1 {self.net}.pth)')
            with torch.no_grad():
                head.copy_(heads[name])

    def _taps(self, x: torch.Tensor) -> List[torch.Tensor]:
        taps, out = [], (x - self.shift) / self.scale
        for index, layer in enumerate(self.features):
            out = layer(out)
            if index in _TAPS[self.net]:
                taps.append(out)
                if index == _TAPS[self.net][-1]:
                    break
        return taps

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """The LPIPS distance of each pair, shape ``N``."""
        total = x.new_zeros(x.shape[0])
        for head, fx, fy in zip(self.heads, self._taps(x), self._taps(y)):
            fx = fx / (fx.pow(2).sum(1, keepdim=True).sqrt() + 1e-10)
            fy = fy / (fy.pow(2).sum(1, keepdim=True).sqrt() + 1e-10)
            total = total + ((fx - fy) ** 2 * head).sum(1).mean((1, 2))
        return total


def uint8_to_lpips_input(img: np.ndarray, channel_order: str) -> torch.Tensor:
    """A uint8 ``H x W x 3`` image as a ``1 x 3 x H x W`` RGB tensor in [-1, 1]."""
    if img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(f'LPIPS takes 3-channel images, got shape {img.shape}')
    if channel_order == 'bgr':
        img = img[..., ::-1]
    x = torch.from_numpy(np.ascontiguousarray(img)).permute(2, 0, 1)[None].float()
    return x / 127.5 - 1


@METRICS.register_module()
class LPIPS(BaseRestorationMetric):
    """Learned perceptual image patch similarity of ``pred_img`` to ``gt_img``.

    Args:
        net: 'alex' (default, the package's recommendation) or 'vgg'.
        backbone_path: torchvision's ImageNet checkpoint of the net; ``None``
            means ``checkpoints/metrics/alexnet-owt-7be5be79.pth`` (or
            ``vgg16-397923af.pth``).
        head_path: the linear heads; ``None`` means
            ``checkpoints/metrics/lpips_v0.1_alex.pth`` (or ``_vgg``).
        device: where the network runs ('cpu' or 'cuda').
        **kwargs: as :class:`BaseRestorationMetric` (``crop_border``,
            ``group_by``, ``prefix``, ``pred_key``...); LPIPS is computed on
            RGB, so ``test_y_channel`` is not taken.
    """

    metric_name = 'LPIPS'

    def __init__(self, net: str = 'alex', backbone_path: Optional[str] = None,
                 head_path: Optional[str] = None, device: str = 'cpu', **kwargs: Any) -> None:
        if kwargs.get('test_y_channel'):
            raise TypeError('LPIPS is computed on RGB images; remove test_y_channel')
        super().__init__(**kwargs)
        self.network = LPIPSNet(net)
        backbone_name, backbone_source = BACKBONE_FILES[net]
        head_name, head_source = HEAD_FILES[net]
        backbone_path = resolve_weights(backbone_path, backbone_name,
                                        f'the LPIPS {net} backbone', backbone_source)
        head_path = resolve_weights(head_path, head_name, f'the LPIPS {net} linear heads',
                                    head_source)
        self.network.load_weights(load_state_dict(backbone_path), load_state_dict(head_path),
                                  backbone_path, head_path)
        self.device = torch.device(device)
        self.network.to(self.device).eval()

    @torch.no_grad()
    def compute_image(self, pred: np.ndarray, gt: np.ndarray, channel_order: str) -> float:
        """LPIPS of one pair of uint8 ``H x W x 3`` images."""
        if self.crop_border:
            b = self.crop_border
            pred, gt = pred[b:-b, b:-b], gt[b:-b, b:-b]
        x, y = (uint8_to_lpips_input(img, channel_order).to(self.device) for img in (pred, gt))
        return float(self.network(x, y)[0])
