"""FDR-Net's feature disentanglement and aggregation layers (FDM and FAM).

"Learning Disentangled Feature Representation for Hybrid-distorted Image
Restoration" (Li et al., ECCV 2020):

- **FD-layer** (Sec. 3.2, Fig. 3): a convolution (Eq. 3) then the revised
  gain-control normalisation of Eq. (4) (:class:`~.gdn.GDN`).
- **FA-layer** (Sec. 3.3, Fig. 4): a process module PM, channel attention CA
  (Eq. 6), then the inverse normalisation of Eq. (7).
- **FDM -> FAM** (:class:`FDFABlock`, the lower branch of one FDR-Net phase,
  Fig. 5): n FD-layers in sequence; FA-layers in mirrored order, FA-layer i
  fed by the previous FA-layer plus the skip from FD-layer i ("to ensure the
  matching between FDlayer and FAlayer, we use skip connection", Sec. 3.5).

Choices where the paper is silent (all configurable):

- the process module is ``num_process_blocks`` ResBlocks (conv3x3-ReLU-conv3x3
  + identity; default 1), the FD convolution is 3x3;
- FA-layer i inverts FD-layer i's normalisation with the **same** ``w, b``
  (Eq. 7 writes the same symbols as Eq. 4; ``share_norm=True``); with
  ``share_norm=False`` each FA-layer learns its own (the IGDN of Balle et
  al.);
- FA-layer i's input is the sum ``FA_{i+1}(...) + D_i`` (the deepest one
  takes ``D_n`` alone).

``FDFABlock`` is registered, so the FD/FA layers work in any backbone, e.g.
as a U-Net plugin (``configs/fdrnet/`` has one).
"""
from types import MappingProxyType
from typing import List, Mapping, Optional

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule, ModuleList, Sequential

from irtoolbox.registry import MODELS

from .channel_attention import ChannelAttention
from .gdn import GDN, apply_gdn

# Read-only default activation of the ResBlocks (a dict default would be shared).
RELU_CFG = MappingProxyType(dict(type='ReLU'))


class ResBlock(BaseModule):
    """conv3x3 - act - conv3x3 plus the identity (He et al.), width unchanged.

    Args:
        channels: feature width. Required.
        act_cfg: activation between the convolutions; ``None``: none (linear).
            Default: ``dict(type='ReLU')``.
        init_cfg: mmengine initialisation config. Default: ``None``.
    """

    def __init__(self, channels: int, act_cfg: Optional[Mapping] = RELU_CFG,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.conv1 = ConvModule(channels, channels, 3, padding=1,
                                act_cfg=None if act_cfg is None else dict(act_cfg))
        self.conv2 = ConvModule(channels, channels, 3, padding=1, act_cfg=None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: ``N x C x H x W`` features. Returns: the same shape, ``x + f(x)``."""
        return x + self.conv2(self.conv1(x))


def res_blocks(channels: int, num_blocks: int, act_cfg: Optional[Mapping]) -> nn.Module:
    """``num_blocks`` ResBlocks in sequence (Identity for 0)."""
    if num_blocks < 0:
        raise ValueError(f'the number of ResBlocks must be >= 0, got {num_blocks}')
    return Sequential(*[ResBlock(channels, act_cfg) for _ in range(num_blocks)])


class FDLayer(BaseModule):
    """Conv (Eq. 3) then the normalisation of Eq. (4).

    Args:
        in_channels: input channels. Required.
        channels: output channels C. Required.
        kernel_size: odd side of the convolution. Default: 3.
        init_cfg: mmengine initialisation config. Default: ``None``.
    """

    def __init__(self, in_channels: int, channels: int, kernel_size: int = 3,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if kernel_size % 2 != 1:
            raise ValueError(f'FDLayer: kernel_size must be odd, got {kernel_size}')
        self.conv = nn.Conv2d(in_channels, channels, kernel_size, padding=kernel_size // 2)
        self.norm = GDN(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: ``N x C_in x H x W`` features. Returns: ``N x C x H x W`` disentangled D."""
        return self.norm(self.conv(x))


class FALayer(BaseModule):
    """Process module, channel attention (Eq. 6), inverse normalisation (Eq. 7).

    Args:
        channels: feature width C. Required.
        num_process_blocks: ResBlocks of the process module. Default: 1.
        ca_reduction: reduction of the channel attention. Default: 16.
        own_norm: learn an own inverse normalisation; False: the caller passes
            the FD-layer's :class:`GDN` to :meth:`forward`. Default: False.
        act_cfg: activation of the process module; ``None``: none (linear).
            Default: ``dict(type='ReLU')``.
        init_cfg: mmengine initialisation config. Default: ``None``.
    """

    def __init__(self, channels: int, num_process_blocks: int = 1, ca_reduction: int = 16,
                 own_norm: bool = False, act_cfg: Optional[Mapping] = RELU_CFG,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.process = res_blocks(channels, num_process_blocks, act_cfg)
        self.attention = ChannelAttention(channels, ca_reduction)
        self.norm = GDN(channels, inverse=True) if own_norm else None

    def forward(self, x: torch.Tensor, fd_norm: Optional[GDN] = None) -> torch.Tensor:
        """x: ``N x C x H x W`` features; fd_norm: the GDN whose ``w, b`` Eq. (7)
        uses (needed when the layer has no own norm). Returns: the same shape."""
        processed = self.attention(self.process(x))
        norm = self.norm if self.norm is not None else fd_norm
        if norm is None:
            raise ValueError('FALayer: built with own_norm=False, so forward needs the '
                             "FD-layer's GDN as fd_norm")
        return apply_gdn(processed, norm.norm(processed), inverse=True)


@MODELS.register_module()
class FDFABlock(BaseModule):
    """FDM (``num_fd_layers`` FD-layers) followed by the FAM (mirrored FA-layers).

    Args:
        in_channels: input channels. Required.
        channels: width C of every FD/FA-layer; ``None``: ``in_channels``.
            Default: ``None``.
        num_fd_layers: n, FD-layers (and FA-layers); 3 in the paper (Table 6).
            Default: 3.
        fd_kernel_size: kernel side of the FD convolutions. Default: 3.
        num_process_blocks: ResBlocks of each FA process module. Default: 1.
        ca_reduction: reduction of the FA channel attention. Default: 16.
        share_norm: FA-layer i uses FD-layer i's ``w, b`` (Eq. 7). Default: True.
        act_cfg: activation of the process modules; ``None``: none (linear).
            Default: ``dict(type='ReLU')``.
        init_cfg: mmengine initialisation config. Default: ``None``.

    Attributes:
        out_channels: C (protocol attribute).
        fd_layers: the FD-layers, whose outputs SVDO reads (tap
            ``'*.fd_layers.?'``).
    """

    def __init__(self, in_channels: int, channels: Optional[int] = None,
                 num_fd_layers: int = 3, fd_kernel_size: int = 3, num_process_blocks: int = 1,
                 ca_reduction: int = 16, share_norm: bool = True,
                 act_cfg: Optional[Mapping] = RELU_CFG,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if num_fd_layers < 1:
            raise ValueError(f'FDFABlock: num_fd_layers must be >= 1, got {num_fd_layers}')
        channels = in_channels if channels is None else channels
        self.share_norm = bool(share_norm)
        self.fd_layers = ModuleList(
            FDLayer(in_channels if i == 0 else channels, channels, fd_kernel_size)
            for i in range(num_fd_layers))
        self.fa_layers = ModuleList(
            FALayer(channels, num_process_blocks, ca_reduction, own_norm=not share_norm,
                    act_cfg=act_cfg) for _ in range(num_fd_layers))
        self.out_channels = channels

    def disentangle(self, x: torch.Tensor) -> List[torch.Tensor]:
        """The outputs ``D_1 .. D_n`` of the FD-layers (the FDM)."""
        outputs = []
        for layer in self.fd_layers:
            x = layer(x)
            outputs.append(x)
        return outputs

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: ``N x C_in x H x W`` features. Returns: ``N x C x H x W`` aggregated features."""
        skips = self.disentangle(x)
        out = skips[-1]
        for i in reversed(range(len(skips))):
            if i < len(skips) - 1:
                out = out + skips[i]
            fd_norm = self.fd_layers[i].norm if self.share_norm else None
            out = self.fa_layers[i](out, fd_norm)
        return out
