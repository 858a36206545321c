"""Conditional PixelCNN++ degradation model p(degraded | clean).

Han et al., "Perceptual image restoration with high-quality priori and
degradation learning" (2024), Sec. 3.2 and Fig. 1: PixelCNN++ (Salimans et al.,
ICLR 2017) without its down- and up-sampling branch (a small, local receptive
field), with the clean image fed to every conditional block, and the
discretized logistic mixture likelihood (see
``irtoolbox.models.losses.discretized_logistic_mixture_loss``). Sec. 4.1: six
conditional blocks after the downward and rightward streams, 100 channels.

Network (x = degraded image in [-1, 1] with a ones channel appended, so that
the zero padding is told apart from black)::

    u  = down_shift(conv_2x3^down(x))
    ul = down_shift(conv_1x3^down(x)) + right_shift(conv_2x1^down_right(x))
    for each block b:
        u  = gated_u_b(u, clean)              # 2 x 3 'down' convolutions
        ul = gated_ul_b(ul, clean, skip=u)    # 2 x 2 'down_right' convolutions
    params = nin(elu(ul))                     # N x 10K x H x W (RGB)

The output at pixel (i, j) depends only on x at rows < i and at row i,
columns < j (raster order); the channels of a pixel are ordered by the
mixture's coefficients. Each block updates both streams; PixelCNN++'s u/ul
order inside a block is kept (the ul update reads the block's new u).

Initialisation: by default each weight-normalised convolution starts at
v ~ N(0, 1 / fan_in), g = ||v||, bias 0. With ``data_init=True``, openai's
data-dependent initialisation (``pixelcnn_layers.data_init_pass``) runs once,
on the first forward in training mode (the first training batch; dropout as
the mode has it, as openai's init pass), and a flag buffer
``data_init_done`` records it: the flag is saved in checkpoints, so a resumed
run does not initialise again, and loading weights that have no flag (a model
trained without ``data_init``) sets it.
"""
from typing import Optional

import torch
import torch.nn as nn
from mmengine.dist import broadcast, get_world_size
from mmengine.model import BaseModule

from irtoolbox.registry import MODELS

from ..losses.discretized_logistic_mixture_loss import num_mixture_params
from .pixelcnn_layers import (
    ConditionalGatedResBlock,
    WNConv2d,
    data_init_pass,
    down_shift,
    right_shift,
)

DATA_INIT_FLAG = 'data_init_done'


@MODELS.register_module()
class ConditionalPixelCNN(BaseModule):
    """Conditional PixelCNN++ without down/up-sampling (see the module docstring).

    Args:
        in_channels: channels of the modelled (degraded) image. Default: 3.
        cond_channels: channels of the conditioning (clean) image. Default: 3.
        channels: F, channels of both streams (paper: 100). Default: 100.
        num_blocks: conditional gated blocks per stream (paper: 6). Default: 6.
        num_mix: logistic mixture components (PixelCNN++: 10). Default: 10.
        dropout: dropout in the gated blocks (PixelCNN++: 0.5). Default: 0.5.
        cond_kernel_size: side of each block's convolution of the clean image.
            Default: 3.
        data_init: initialise g and the biases from the first training batch
            (openai/pixel-cnn; see the module docstring). Default: False.
        init_cfg: mmengine initialisation config. Default: ``None``.
    """

    def __init__(self, in_channels: int = 3, cond_channels: int = 3, channels: int = 100,
                 num_blocks: int = 6, num_mix: int = 10, dropout: float = 0.5,
                 cond_kernel_size: int = 3, data_init: bool = False,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.in_channels = in_channels
        self.cond_channels = cond_channels
        self.channels = channels
        self.num_blocks = num_blocks
        self.num_mix = num_mix
        self.out_channels = num_mixture_params(in_channels, num_mix)
        x_channels = in_channels + 1
        self.u_init = WNConv2d(x_channels, channels, (2, 3), 'down')
        self.ul_init_up = WNConv2d(x_channels, channels, (1, 3), 'down')
        self.ul_init_left = WNConv2d(x_channels, channels, (2, 1), 'down_right')
        block = dict(cond_channels=cond_channels, cond_kernel_size=cond_kernel_size,
                     dropout=dropout)
        self.u_blocks = nn.ModuleList(
            ConditionalGatedResBlock(channels, (2, 3), 'down', **block)
            for _ in range(num_blocks))
        self.ul_blocks = nn.ModuleList(
            ConditionalGatedResBlock(channels, (2, 2), 'down_right', skip_channels=channels,
                                     **block) for _ in range(num_blocks))
        self.out = WNConv2d(channels, self.out_channels)
        self.data_init = bool(data_init)
        if self.data_init:  # only then: the state dict of the default model is unchanged
            self.register_buffer(DATA_INIT_FLAG, torch.zeros((), dtype=torch.bool))

    def init_weights(self) -> None:
        """Each weight-normalised convolution: v ~ N(0, 1 / fan_in), g = ||v||, bias 0;
        with ``data_init`` the data-dependent initialisation is due again."""
        super().init_weights()
        if self.init_cfg is None:
            for module in self.modules():
                if isinstance(module, WNConv2d):
                    module.init_weights()
        if self.data_init:
            getattr(self, DATA_INIT_FLAG).fill_(False)

    def initialise_from_data(self, x: torch.Tensor, cond: torch.Tensor) -> None:
        """openai's data-dependent initialisation on this batch (inputs as
        ``forward``), then the flag is set. Under DDP every rank initialises on
        its own batch and takes rank 0's parameters, so the replicas agree."""
        if not self.data_init:
            raise RuntimeError('ConditionalPixelCNN.initialise_from_data: the model was built '
                               'with data_init=False')
        with data_init_pass():
            self._network(x, cond)
        if get_world_size() > 1:
            for param in self.parameters():
                broadcast(param.data, src=0)
        getattr(self, DATA_INIT_FLAG).fill_(True)

    def _load_from_state_dict(self, state_dict: dict, prefix: str, *args, **kwargs) -> None:
        key = prefix + DATA_INIT_FLAG
        if self.data_init:
            # weights without a flag come from a model trained without data_init:
            # initialised already, the first batch must not overwrite them
            state_dict.setdefault(key, torch.ones((), dtype=torch.bool))
        else:
            state_dict.pop(key, None)  # the flag means nothing to this model
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        """x: N x C x H x W degraded image in [-1, 1]; cond: N x C_c x H x W clean
        image in [-1, 1]. Returns: N x P x H x W mixture parameters (layout of
        ``split_params``), causal in x. With ``data_init``, the first call in
        training mode initialises the model from this batch first."""
        if x.shape[0] != cond.shape[0] or x.shape[2:] != cond.shape[2:]:
            raise ValueError(f'ConditionalPixelCNN: degraded {tuple(x.shape)} and clean '
                             f'{tuple(cond.shape)} images differ in batch or size')
        if self.data_init and self.training and not bool(getattr(self, DATA_INIT_FLAG)):
            self.initialise_from_data(x, cond)
        return self._network(x, cond)

    def _network(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        x = torch.cat([x, torch.ones_like(x[:, :1])], dim=1)
        u = down_shift(self.u_init(x))
        ul = down_shift(self.ul_init_up(x)) + right_shift(self.ul_init_left(x))
        for u_block, ul_block in zip(self.u_blocks, self.ul_blocks):
            u = u_block(u, cond)
            ul = ul_block(ul, cond, skip=u)
        return self.out(torch.nn.functional.elu(ul))
