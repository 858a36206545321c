"""Supervised degradation attention module (SDAM) of IDR.

Zhang et al., "Ingredient-oriented Multi-Degradation Learning for Image
Restoration" (CVPR 2023), supplement Sec. 2 and Fig. 1. SDAM has the shape of
MPRNet's supervised attention module (Zamir et al., CVPR 2021, Sec. 3.3):

    x1  = conv1(x)
    img = conv2(x) + y_s                    (y_s: the degraded image at x's scale)
    out = x1 * sigmoid(conv3(img)) + x

with three differences the supplement states: it *intensifies the degradation
and dilutes the background* (its output feeds the meta-prior learning module,
not the restoration path), its image output ``img`` is supervised by the
*degraded* image ``y_s`` (the SDAM loss, :class:`~irtoolbox.models.losses.
sdam_loss.SDAMLoss`), and the features entering it are *detached* ("we stop
the gradients on the input degraded features"), so neither its loss nor
anything computed from its output reaches the backbone. The released code
supervises ``img`` with the resized clean target and detaches nothing: both
are options (``SDAMLoss(supervision='clean')``, ``detach=False``).

``img`` passes through the identity submodule ``sdam_image`` so that the
restorer's ``feature_taps=dict(sdam='**.sdam_image')`` hands it to the loss.
The degraded image comes from the batch context of the forward
(:mod:`irtoolbox.models.batch_context`, built by any restorer, so SDAM works in
any backbone under a plain ``Restorer``); ``y_s`` is the normalised, padded
input resized to x's size (``'area'``: a box
average over each 2^k x 2^k cell).
"""
from typing import Optional

import torch
import torch.nn as nn
from mmengine.model import BaseModule

from irtoolbox.models.batch_context import BatchContext, current_batch_context, resize_image
from irtoolbox.registry import MODELS

__all__ = ['SDAM', 'resize_image']


@MODELS.register_module()
class SDAM(BaseModule):
    """MPRNet-shaped attention supervised by the degraded image (module docstring).

    Args:
        in_channels: channels C of the features at its position. Required
            (the plugin stack fills it in).
        image_channels: channels of the degraded image. Default: 3.
        kernel_size: side of the three convolutions. Default: 3.
        bias: biases of the convolutions. Default: False (MPRNet's).
        detach: stop the gradient on the input features (the supplement).
            Default: True.
        resize_mode: ``F.interpolate`` mode bringing the degraded image to the
            feature size. Default: ``'area'``.
        init_cfg: mmengine initialisation config. Default: ``None``.
    """

    context_reads = ('inputs',)

    def __init__(self, in_channels: int, image_channels: int = 3, kernel_size: int = 3,
                 bias: bool = False, detach: bool = True, resize_mode: str = 'area',
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        pad = kernel_size // 2
        self.conv1 = nn.Conv2d(in_channels, in_channels, kernel_size, padding=pad, bias=bias)
        self.conv2 = nn.Conv2d(in_channels, image_channels, kernel_size, padding=pad, bias=bias)
        self.conv3 = nn.Conv2d(image_channels, in_channels, kernel_size, padding=pad, bias=bias)
        self.sdam_image = nn.Identity()  # tap point of the image output
        self.detach = detach
        self.resize_mode = resize_mode
        self.out_channels = in_channels

    def forward(self, x: torch.Tensor, context: Optional[BatchContext] = None) -> torch.Tensor:
        """x: ``N x C x h x w`` features. Returns: ``N x C x h x w`` intensified features.

        ``context``: a ``BatchContext`` (default: the active one of the restorer's
        forward); reads its padded ``inputs``.
        The image output (``N x image_channels x h x w``, in the normalised
        input's range) goes through ``sdam_image`` for the loss.
        """
        context = context if context is not None else current_batch_context('SDAM')
        degraded = resize_image(context.inputs, x.shape[-2:], self.resize_mode)
        if self.detach:
            x = x.detach()
        img = self.sdam_image(self.conv2(x) + degraded)
        return self.conv1(x) * torch.sigmoid(self.conv3(img)) + x
