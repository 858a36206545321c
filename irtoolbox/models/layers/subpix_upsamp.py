"""SubPixUpsamp: sub-pixel convolutional up-sampling (Shi et al., 2016).

InfoAccum paper ("An Information-theoretic Perspective of Generative Image
Restoration"), Appendix G.D, Eq. (15): a convolution produces ``C * r^2``
channels at low resolution and a periodic shuffle rearranges them into a
``rH x rW x C`` image,

    PS(T)[h, w, c] = T[floor(h / r), floor(w / r), C r mod(w, r) + C mod(h, r) + c].

``nn.PixelShuffle`` implements the same rearrangement with the channel index
``c r^2 + r mod(h, r) + mod(w, r)``; the two differ only by a fixed
permutation of the convolution's output channels, which the learned
convolution absorbs, so they span the same functions. The paper uses it for the
top (outermost) up-sampling of the U-Net decoder instead of a transposed
convolution, to avoid checkerboard artefacts and keep details.
"""
import torch
import torch.nn as nn

from irtoolbox.registry import MODELS


@MODELS.register_module()
class SubPixUpsamp(nn.Module):
    """Conv(k x k) to ``out_channels * scale^2`` channels, then PixelShuffle(scale).

    Args:
        in_channels: channels of the low-resolution input.
        out_channels: channels of the up-sampled output.
        scale: up-sampling factor r (2 in the paper).
        kernel_size: odd kernel size of the convolution ('same' padding).
        bias: whether the convolution has a bias.
    """

    def __init__(self, in_channels: int, out_channels: int, scale: int = 2,
                 kernel_size: int = 3, bias: bool = True) -> None:
        super().__init__()
        if kernel_size % 2 != 1:
            raise ValueError(f'SubPixUpsamp: kernel_size must be odd, got {kernel_size}')
        self.out_channels = out_channels
        self.scale = scale
        self.conv = nn.Conv2d(in_channels, out_channels * scale ** 2, kernel_size,
                              padding=kernel_size // 2, bias=bias)
        self.shuffle = nn.PixelShuffle(scale)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.shuffle(self.conv(x))
