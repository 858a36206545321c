"""The mask-input autoencoder of DL-Net's Table IX / X ("Autoencoder+SFT").

Guo et al., "Deep Likelihood Network for Image Restoration with Multiple
Degradation Levels" (Sec. IV-C): besides the degraded image, the binary mask
of the observed pixels is fed to the context-encoder autoencoder through
spatial feature transform (SFT) layers inserted into its encoder, the SFT
layers sharing most of their parameters. The SFT layer is that of Wang, Yu,
Dong and Loy, "Recovering Realistic Texture in Image Super-resolution by Deep
Spatial Feature Transform" (CVPR 2018, Eq. 2): a condition network maps the
prior to shared conditions, and each SFT layer turns them into a per-pixel,
per-channel affine map of the features,

    SFT(F | gamma, beta) = gamma * F + beta.

Here (the DL-Net paper gives no more detail; the choices are configurable):

- the prior is the ``N x 1 x H x W`` observed mask (1 = observed) that the
  DL-Net likelihood uses, rebuilt per sample from the degradation the data
  pipeline recorded (:class:`ObservationModel`), so the mask is never a
  configured or hand-made input;
- the shared condition network is ``cond_num_convs`` 3 x 3 convs at full
  resolution, each followed by ``cond_act_cfg`` (LeakyReLU 0.1, as SFT-GAN):
  1 -> ``cond_mid_channels`` -> ... -> ``cond_channels``;
- each encoder stage gets one SFT layer, after its BatchNorm and before its
  activation; the layer average-pools the shared conditions to the stage's
  resolution and owns only two 1 x 1 convs ``cond_channels -> C`` (gamma and
  beta): that is the part not shared;
- ``scale_offset`` is added to gamma (0: the SFT paper's ``gamma * F``).

The rest (channel-wise FC, decoder, z and h) is :class:`ContextEncoderAE`
unchanged, so ``with_output_layer=False`` gives g and DL-Net's
``LikelihoodHead`` goes on top ("Combined with DL-Net", Tables IX-X).

The backbone reads the batch: without ``data_samples`` it takes them from the
restorer's batch context (:mod:`irtoolbox.models.batch_context`).
"""
import warnings
from types import MappingProxyType
from typing import Any, Mapping, Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import build_activation_layer

from irtoolbox.degradations.observation_model import ObservationModel, has_degradation
from irtoolbox.models.batch_context import optional_batch_context, resize_image
from irtoolbox.registry import MODELS

from .context_encoder import BN_CFG, DEC_ACT_CFG, ENC_ACT_CFG, ContextEncoderAE

COND_ACT_CFG = MappingProxyType(dict(type='LeakyReLU', negative_slope=0.1))  # SFT-GAN's


class SFTLayer(nn.Module):
    """``(gamma + offset) * x + beta`` with gamma, beta 1 x 1 convs of the shared conditions.

    Args:
        cond_channels: channels of the shared conditions.
        channels: channels of the modulated features.
        scale_offset: added to gamma. Default: 0.0.
    """

    def __init__(self, cond_channels: int, channels: int, scale_offset: float = 0.0) -> None:
        super().__init__()
        self.scale = nn.Conv2d(cond_channels, channels, 1)
        self.shift = nn.Conv2d(cond_channels, channels, 1)
        self.scale_offset = float(scale_offset)

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        """x: ``N x C x h x w`` features; cond: ``N x c x H x W`` shared conditions
        (H, W multiples of h, w). Returns ``N x C x h x w``."""
        # Average pooling: the condition of a feature pixel summarises the
        # mask over the input pixels it was computed from.
        # (area resize = adaptive average pooling; a fixed kernel when traced for ONNX)
        cond = resize_image(cond, x.shape[-2:], 'area')
        return x * (self.scale(cond) + self.scale_offset) + self.shift(cond)


@MODELS.register_module()
class SFTContextEncoderAE(ContextEncoderAE):
    """Context-encoder autoencoder with the observed mask fed through SFT layers.

    Args:
        in_channels: image channels. Default: 3.
        out_channels: image channels of h's output. Default: 3.
        channels: encoder widths. Default: (64, 128, 256, 512).
        image_size: input side. Default: 64.
        norm_cfg: as :class:`ContextEncoderAE` (``None``: none). Default: ``dict(type='BN')``.
        enc_act_cfg: as :class:`ContextEncoderAE`, the encoder's activation.
            Default: ``dict(type='LeakyReLU', negative_slope=0.2)``.
        dec_act_cfg: as :class:`ContextEncoderAE`, the decoder's and h's.
            Default: ``dict(type='ReLU')``.
        fc_std: std of the channel-wise FC's Gaussian initialisation. Default: 0.02.
        with_output_layer: True: f = h o g; False: g only (returns z). Default: True.
        cond_channels: channels of the shared conditions. Default: 32.
        cond_mid_channels: channels of the condition network's inner convs. Default: 64.
        cond_num_convs: 3 x 3 convs of the condition network (>= 1). Default: 3.
        cond_act_cfg: condition network activation (``None``: none).
            Default: ``dict(type='LeakyReLU', negative_slope=0.1)``.
        scale_offset: added to every gamma. Default: 0.0.
        on_missing: ``'error'`` when a batch comes without recorded mask
            degradations, or ``'observed'`` (an all-ones mask, with one
            warning). Default: ``'error'``.
        init_cfg: mmengine initialisation config. Default: None (MSRA for all
            convs, Gaussian for the FC).
    """

    context_reads = ('data_samples',)

    def __init__(self, in_channels: int = 3, out_channels: int = 3,
                 channels: tuple = (64, 128, 256, 512), image_size: int = 64,
                 norm_cfg: Optional[Mapping] = BN_CFG,
                 enc_act_cfg: Optional[Mapping] = ENC_ACT_CFG,
                 dec_act_cfg: Optional[Mapping] = DEC_ACT_CFG, fc_std: float = 0.02,
                 with_output_layer: bool = True, cond_channels: int = 32,
                 cond_mid_channels: int = 64, cond_num_convs: int = 3,
                 cond_act_cfg: Optional[Mapping] = COND_ACT_CFG, scale_offset: float = 0.0,
                 on_missing: str = 'error', init_cfg: Optional[dict] = None) -> None:
        super().__init__(in_channels=in_channels, out_channels=out_channels,
                         channels=channels, image_size=image_size, norm_cfg=norm_cfg,
                         enc_act_cfg=enc_act_cfg, dec_act_cfg=dec_act_cfg, fc_std=fc_std,
                         with_output_layer=with_output_layer, init_cfg=init_cfg)
        if int(cond_num_convs) < 1:
            raise ValueError(f'SFTContextEncoderAE: cond_num_convs must be >= 1, '
                             f'got {cond_num_convs}')
        if on_missing not in ('error', 'observed'):
            raise ValueError(f"SFTContextEncoderAE: on_missing must be 'error' or 'observed', "
                             f'got {on_missing!r}')
        widths = [1] + [cond_mid_channels] * (int(cond_num_convs) - 1) + [cond_channels]
        layers = []
        for cin, cout in zip(widths[:-1], widths[1:]):
            layers += [nn.Conv2d(cin, cout, 3, 1, 1),  # None: no activation
                       nn.Identity() if cond_act_cfg is None
                       else build_activation_layer(dict(cond_act_cfg))]
        self.condition = nn.Sequential(*layers)
        self.sft_layers = nn.ModuleList(
            SFTLayer(cond_channels, c, scale_offset) for c in channels)
        self.on_missing = on_missing
        self._warned = False

    def init_weights(self) -> None:
        super().init_weights()  # MSRA for every conv, these included
        if self.init_cfg is not None:
            return
        for module in [*self.condition, *self.sft_layers.modules()]:
            if isinstance(module, nn.Conv2d):
                nn.init.zeros_(module.bias)

    def observed_mask(self, x: torch.Tensor,
                      data_samples: Optional[Sequence[Any]]) -> torch.Tensor:
        """``N x 1 x H x W`` observed masks of the padded batch x (padding: 0)."""
        if data_samples and all(has_degradation(s) for s in data_samples):
            masks = ObservationModel(data_samples, x).observed_mask()
            if masks is None:
                raise ValueError('SFTContextEncoderAE: the mask input needs mask degradations '
                                 '(BoxMask / BernoulliMask, optionally with GaussianNoise); '
                                 'the batch has a blur or downsampling')
            # The padding of the input (size_divisor) is not observed.
            pad_h, pad_w = x.shape[-2] - masks.shape[-2], x.shape[-1] - masks.shape[-1]
            return F.pad(masks, (0, pad_w, 0, pad_h))
        if self.on_missing == 'error':
            raise ValueError('SFTContextEncoderAE: the batch has no data samples with recorded '
                             'degradation_params (the mask input is rebuilt from them); run '
                             "the data through Degrade, or set on_missing='observed'")
        if not self._warned:
            warnings.warn('SFTContextEncoderAE: no recorded degradations in the batch: '
                          'using an all-observed mask')
            self._warned = True
        return x.new_ones((x.shape[0], 1, *x.shape[-2:]))

    def forward(self, x: torch.Tensor, data_samples: Optional[Sequence[Any]] = None,
                observed_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        """x: ``N x C x 64 x 64`` normalised degraded images; data_samples: the
        batch's samples with recorded mask ``degradation_params`` (and
        ``input_shape``) in their metainfo; observed_mask: the ``N x 1 x 64 x 64``
        mask itself (1 = observed, 0 in holes and padding) instead of the samples
        (an exported graph's input).

        Returns: the ``N x 3 x 64 x 64`` restoration (``with_output_layer``) or
        z, ``N x channels[0] x 32 x 32`` before its activation.
        """
        context = optional_batch_context()
        if data_samples is None and context is not None:
            data_samples = context.data_samples
        if observed_mask is None:
            observed_mask = self.observed_mask(x, data_samples)
        cond = self.condition(observed_mask)
        feat = x
        for (conv, norm, act), sft in zip(self.encoder, self.sft_layers):
            feat = act(sft(norm(conv(feat)), cond))
        z = self.decoder(self.channel_fc(feat))
        return self.output_layer(z) if self.output_layer is not None else z
