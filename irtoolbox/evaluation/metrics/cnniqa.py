"""CNNIQA, a learned no-reference quality model, as pyiqa re-implements it and
publishes its KonIQ-10k weights (``CNNIQA_koniq10k-e6f14c91.pth``).

The model of Kang, Ye, Li and Doermann ("Convolutional neural networks for
no-reference image quality assessment", CVPR 2014, Sec. 3): one 7 x 7
convolution of 50 kernels, max and min pooling over the whole map (the
paper's "max-min pooling"), two fully connected layers of 800 ReLU units
(dropout in training) and a linear output. The paper scores 32 x 32 grey
patches after local contrast normalisation and averages them; the only
published weights are pyiqa's, trained on whole RGB images in [0, 1] without
normalisation to predict KonIQ-10k's mean opinion scores (about 0 to 1,
higher is better), and this follows that model, so the scores are pyiqa's.
Plain torch.
"""
from typing import Any, Optional

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from irtoolbox.registry import METRICS

from .metric_weights import load_exact, load_state_dict, resolve_weights
from .no_reference_metric import BaseNoReferenceMetric

CNNIQA_WEIGHTS_NAME = 'CNNIQA_koniq10k-e6f14c91.pth'
CNNIQA_WEIGHTS_SOURCE = ('pyiqa\'s weights: https://huggingface.co/chaofengc/IQA-PyTorch-Weights/'
                         'resolve/main/CNNIQA_koniq10k-e6f14c91.pth (or the v0.1-weights '
                         'release of github.com/chaofengc/IQA-PyTorch)')


class CNNIQANet(nn.Module):
    """``forward(x)``: ``N x 3 x H x W`` RGB in [0, 1] -> ``N`` quality scores."""

    def __init__(self, kernel_size: int = 7, kernels: int = 50, hidden: int = 800) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, kernels, kernel_size)
        self.fc1 = nn.Linear(2 * kernels, hidden)
        self.fc2 = nn.Linear(hidden, hidden)
        self.fc3 = nn.Linear(hidden, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv1(x).flatten(2)
        h = torch.cat([h.amax(2), h.amin(2)], 1)  # max-min pooling over the whole map
        h = F.relu(self.fc2(F.relu(self.fc1(h))))  # dropout is off at test time
        return self.fc3(h)[:, 0]


@METRICS.register_module()
class CNNIQA(BaseNoReferenceMetric):
    """CNNIQA quality of ``pred_img`` (no reference; higher is better), overall and per group.

    Args:
        weights_path: pyiqa's ``CNNIQA_koniq10k-e6f14c91.pth`` (its ``params``);
            ``None`` means ``checkpoints/metrics/CNNIQA_koniq10k-e6f14c91.pth``.
        device: where the network runs ('cpu' or 'cuda').
        **kwargs: as :class:`BaseRestorationMetric` (``crop_border``,
            ``group_by``, ``prefix``, ``pred_key``...); computed on RGB, so
            ``test_y_channel`` is not taken.
    """

    metric_name = 'CNNIQA'

    def __init__(self, weights_path: Optional[str] = None, device: str = 'cpu',
                 **kwargs: Any) -> None:
        if kwargs.get('test_y_channel'):
            raise TypeError('CNNIQA is computed on RGB images; remove test_y_channel')
        super().__init__(**kwargs)
        self.weights_path = resolve_weights(weights_path, CNNIQA_WEIGHTS_NAME,
                                            'the CNNIQA weights', CNNIQA_WEIGHTS_SOURCE)
        self.network = CNNIQANet()
        load_exact(self.network, load_state_dict(self.weights_path), self.weights_path)
        self.device = torch.device(device)
        self.network.to(self.device).eval()

    @torch.no_grad()
    def compute_image(self, pred: np.ndarray, gt: None, channel_order: str) -> float:
        """CNNIQA of one uint8 ``H x W x 3`` image."""
        if pred.ndim != 3 or pred.shape[2] != 3:
            raise ValueError(f'CNNIQA takes 3-channel images, got shape {pred.shape}')
        if self.crop_border:
            b = self.crop_border
            pred = pred[b:-b, b:-b]
        if channel_order == 'bgr':
            pred = pred[..., ::-1]
        x = torch.from_numpy(np.ascontiguousarray(pred)).permute(2, 0, 1)[None].float() / 255
        return float(self.network(x.to(self.device))[0])
