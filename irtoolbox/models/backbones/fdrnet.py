"""FDR-Net: feature disentanglement network for hybrid-distorted image restoration.

"Learning Disentangled Feature Representation for Hybrid-distorted Image
Restoration" (Li et al., ECCV 2020), Sec. 3.5 and Fig. 5. A head convolution,
``num_phases`` phases, a tail convolution and a global residual. Each phase
has two branches on the same input ``x_k``:

- the lower branch, FDM -> FAM (:class:`~irtoolbox.models.layers.FDFABlock`:
  FD-layers of Eq. 3-4, FA-layers of Eq. 6-7 fed by skips from their
  FD-layers), or, for Table 5's baseline (``use_fdm=False``),
  ``num_replacement_blocks`` ResBlocks;
- the auxiliary branch (Sec. 3.4): ``num_aux_blocks`` ResBlocks;

fused by concatenation, channel attention and a convolution (Sec. 3.5). With
``use_aux=False`` (Table 5, third row) the phase output is the lower branch's.

Phases are joined by dual residual connections (Fig. 5; the paper gives no
formula). Our choice: with ``y_k = phase_k(x_k)``,

    x_{k+1} = x_k + y_k + y_{k-1}      (y_{-1} = 0),

an identity path around every phase plus the previous phase's output, so
each phase sees what the one before it added as well as the running sum.

Widths and depths the paper leaves open were chosen so that the default and
its two Table 5 ablations land on the paper's parameter counts (1.66 M, 1.62 M
and 1.21 M) at once; ``configs/fdrnet/README.md`` gives the arithmetic. These
class defaults put the ResBlock baseline above FDR-Net; the paper-size configs
use a re-fit that keeps Table 5's order (14 phases, 4 replacement ResBlocks).
``plugins=[dict(cfg=..., position='input')]`` puts modules (e.g. InfoAccum)
in front of the head convolution; the global residual still adds the image.

Channel attention averages each channel over the whole image, so every
output pixel depends on the whole input: the receptive field is global
(``receptive_field`` is left undeclared), and tiled inference differs slightly
from whole-image inference.
"""
from typing import List, Mapping, Optional, Sequence

import torch
import torch.nn as nn
from mmengine.model import BaseModule, ModuleList, Sequential

from irtoolbox.models.layers.channel_attention import ChannelAttention
from irtoolbox.models.layers.fd_fa_layers import RELU_CFG, FDFABlock, res_blocks
from irtoolbox.models.plugins.plugin_stack import PluginPoint, PluginStack
from irtoolbox.registry import MODELS


class FDRPhase(BaseModule):
    """One phase: [FDM -> FAM or ResBlocks] beside [auxiliary ResBlocks], fused.

    Args:
        channels: feature width C. Required.
        use_fdm: lower branch FDM -> FAM (else ResBlocks). Default: True.
        use_aux: auxiliary branch and fusion. Default: True.
        fdfa_cfg: keyword arguments of the FDFABlock. Default: ``None`` (its defaults).
        num_replacement_blocks: ResBlocks of the lower branch without FDM. Default: 5.
        num_aux_blocks: ResBlocks of the auxiliary branch. Default: 1.
        ca_reduction: reduction of the fusion's channel attention. Default: 16.
        fusion_kernel_size: kernel of the fusion convolution. Default: 3.
        act_cfg: activation of the ResBlocks; ``None``: none (linear).
            Default: ``dict(type='ReLU')``.
        init_cfg: mmengine initialisation config. Default: ``None``.
    """

    def __init__(self, channels: int, use_fdm: bool = True, use_aux: bool = True,
                 fdfa_cfg: Optional[dict] = None, num_replacement_blocks: int = 5,
                 num_aux_blocks: int = 1, ca_reduction: int = 16, fusion_kernel_size: int = 3,
                 act_cfg: Optional[Mapping] = RELU_CFG,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if use_fdm:
            self.lower = FDFABlock(channels, channels, act_cfg=act_cfg, **(fdfa_cfg or {}))
        else:
            self.lower = res_blocks(channels, num_replacement_blocks, act_cfg)
        self.aux = res_blocks(channels, num_aux_blocks, act_cfg) if use_aux else None
        self.fusion = Sequential(
            ChannelAttention(2 * channels, ca_reduction),
            nn.Conv2d(2 * channels, channels, fusion_kernel_size,
                      padding=fusion_kernel_size // 2)) if use_aux else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: ``N x C x H x W`` features. Returns: the phase output, same shape."""
        lower = self.lower(x)
        if self.aux is None:
            return lower
        return self.fusion(torch.cat([self.aux(x), lower], dim=1))


@MODELS.register_module()
class FDRNet(BaseModule):
    """FDR-Net (see the module docstring).

    Args:
        in_channels: input image channels. Default: 3.
        out_channels: output image channels (= ``in_channels`` with the global
            residual). Default: 3.
        mid_channels: feature width C (Table 6: 16/32/48/64). Default: 32.
        num_phases: phases (not given in the paper; fitted to Table 5). Default: 13.
        num_fd_layers: FD-layers per FDM (Table 6: 3). Default: 3.
        fd_kernel_size: kernel of the FD convolutions. Default: 3.
        num_process_blocks: ResBlocks of each FA process module. Default: 1.
        share_norm: FA-layers invert their FD-layer's normalisation with its
            ``w, b`` (Eq. 7). Default: True.
        use_fdm: FDM -> FAM in the lower branch; False: Table 5's ResBlock
            baseline. Default: True.
        num_replacement_blocks: ResBlocks replacing FDM + FAM when ``use_fdm``
            is False (fitted to Table 5's 1.62 M). Default: 5.
        use_aux: auxiliary branch and fusion (Table 5). Default: True.
        num_aux_blocks: ResBlocks of the auxiliary branch. Default: 1.
        ca_reduction: reduction of every channel attention. Default: 16.
        fusion_kernel_size: kernel of the fusion convolution. Default: 3.
        global_residual: add the input image to the output. Default: True.
        phase_residual: how phases are joined: ``'dual'``
            (``x_{k+1} = x_k + y_k + y_{k-1}``, the module docstring) or
            ``'plain'`` (``x_{k+1} = x_k + y_k``). Default: ``'dual'``.
        act_cfg: activation of the ResBlocks; ``None``: none (linear).
            Default: ``dict(type='ReLU')``.
        plugins: ``[dict(cfg=module cfg, position='input')]``, modules run on the
            image before the head convolution. Default: ``None``.
        replacement_init_scale: factor on the initial weights of the second
            convolution of every replacement ResBlock (``use_fdm=False``),
            applied in ``init_weights``. With the ResBlocks' Kaiming init each
            block roughly triples the second moment of its input, so the
            4 x 14 blocks of the paper-size baseline reached RMS 3.9e5 at
            initialisation; 0.1 keeps each block near the identity (ESRGAN
            scales its residual blocks' init the same way). 1.0: unscaled.
            Default: 0.1.
        init_cfg: mmengine initialisation config. Default: ``None``.
    """

    # before issue 17 the plugins sat at `plugins` itself; such checkpoints still load
    plugin_points = (
        PluginPoint('input', 'the image, before the head convolution', 'in_channels', True,
                    old_key=''),
    )

    def __init__(self, in_channels: int = 3, out_channels: int = 3, mid_channels: int = 32,
                 num_phases: int = 13, num_fd_layers: int = 3, fd_kernel_size: int = 3,
                 num_process_blocks: int = 1, share_norm: bool = True, use_fdm: bool = True,
                 num_replacement_blocks: int = 5, use_aux: bool = True, num_aux_blocks: int = 1,
                 ca_reduction: int = 16, fusion_kernel_size: int = 3,
                 global_residual: bool = True, act_cfg: Optional[Mapping] = RELU_CFG,
                 plugins: Optional[Sequence[dict]] = None, phase_residual: str = 'dual',
                 replacement_init_scale: float = 0.1,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.replacement_init_scale = float(replacement_init_scale)
        if phase_residual not in ('dual', 'plain'):
            raise ValueError(f"FDRNet: phase_residual must be 'dual' or 'plain', "
                             f'got {phase_residual!r}')
        self.phase_residual = phase_residual
        if num_phases < 1:
            raise ValueError(f'FDRNet: num_phases must be >= 1, got {num_phases}')
        if global_residual and in_channels != out_channels:
            raise ValueError(f'FDRNet: the global residual needs in_channels == out_channels, '
                             f'got {in_channels} and {out_channels}')
        self.global_residual = bool(global_residual)
        self.plugins = PluginStack(plugins, self.plugin_points, 'FDRNet')
        channels = self.plugins.build('input', in_channels)
        self.head = nn.Conv2d(channels, mid_channels, 3, padding=1)
        fdfa_cfg = dict(num_fd_layers=num_fd_layers, fd_kernel_size=fd_kernel_size,
                        num_process_blocks=num_process_blocks, ca_reduction=ca_reduction,
                        share_norm=share_norm)
        self.phases = ModuleList(
            FDRPhase(mid_channels, use_fdm, use_aux, fdfa_cfg, num_replacement_blocks,
                     num_aux_blocks, ca_reduction, fusion_kernel_size, act_cfg)
            for _ in range(num_phases))
        self.tail = nn.Conv2d(mid_channels, out_channels, 3, padding=1)
        self.out_channels = out_channels  # protocol attribute

    def init_weights(self) -> None:
        """mmengine's initialisation, then the replacement ResBlocks' second
        convolutions scaled by ``replacement_init_scale`` (once: a repeated call
        initialises nothing, so it must not scale again)."""
        first_call = not self._is_init
        super().init_weights()
        if not first_call or self.replacement_init_scale == 1.0:
            return
        with torch.no_grad():
            for phase in self.phases:
                if not isinstance(phase.lower, FDFABlock):
                    for block in phase.lower:
                        block.conv2.conv.weight.mul_(self.replacement_init_scale)

    def features(self, x: torch.Tensor) -> List[torch.Tensor]:
        """The head features and every phase's output ``x_1 .. x_K`` (dual residuals)."""
        x = self.head(self.plugins('input', x))
        outputs, previous = [x], None
        for phase in self.phases:
            y = phase(x)
            x = x + y if previous is None else x + y + previous
            previous = y if self.phase_residual == 'dual' else None
            outputs.append(x)
        return outputs

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: ``N x C x H x W`` degraded images (normalised, any range).

        Returns: ``N x C_out x H x W`` restored images in the input's range
        (the input plus the predicted residual with ``global_residual``).
        """
        out = self.tail(self.features(x)[-1])
        return x + out if self.global_residual else out
