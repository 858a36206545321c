"""tiled_forward against the untiled forward of fully convolutional networks.

The oracle is the network run once on the whole image: with an overlap of at
least the receptive field minus one, every kept tile centre must equal it.
The receptive fields are counted by hand from the layers and checked
empirically (support of an input gradient) so that the test's premise is not
taken on trust.
"""
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from skimage import data as skdata

from irtoolbox.apis import tile_spans, tiled_forward
from irtoolbox.models.backbones.residual_cnn import ResidualCNN


def _photo(height: int, width: int) -> torch.Tensor:
    """A crop of a real photo as a [1, 3, H, W] float batch in [0, 1]."""
    crop = skdata.astronaut()[100:100 + height, 150:150 + width]
    return torch.from_numpy(crop).permute(2, 0, 1)[None].float() / 255.0


def _receptive_width(net: nn.Module, size: int = 41) -> int:
    """Width of the input region that one central output pixel depends on."""
    x = torch.rand(1, 3, size, size, requires_grad=True)
    net(x)[0, :, size // 2, size // 2].sum().backward()
    cols = (x.grad.abs().sum(dim=(0, 1, 2)) > 0).nonzero().flatten()
    return int(cols.max() - cols.min() + 1)


@pytest.fixture(scope='module')
def residual_cnn() -> nn.Module:
    torch.manual_seed(0)
    # 1 head conv + 2 blocks x 2 convs + 1 tail conv = 6 convs 3x3: 13 pixels.
    return ResidualCNN(mid_channels=8, num_blocks=2).eval()


def conv_stack() -> nn.Module:
    torch.manual_seed(1)
    # 5x5 then 3x3: receptive field 5 + 3 - 1 = 7 pixels.
    return nn.Sequential(nn.Conv2d(3, 6, 5, padding=2), nn.ReLU(),
                         nn.Conv2d(6, 3, 3, padding=1)).eval()


def test_receptive_fields_are_as_counted(residual_cnn):
    assert _receptive_width(residual_cnn) == 13
    assert _receptive_width(conv_stack()) == 7


@pytest.mark.parametrize('tile', [23, 30, 64])
def test_tiled_equals_untiled_residual_cnn(residual_cnn, tile):
    x = _photo(61, 50)  # no tile size divides 61 or 50
    with torch.no_grad():
        expected = residual_cnn(x)
        tiled = tiled_forward(residual_cnn, x, tile=tile, overlap=12)
    assert tiled.shape == expected.shape
    assert (tiled - expected).abs().max().item() < 1e-4


def test_tiled_equals_untiled_conv_stack():
    net = conv_stack()
    x = _photo(45, 58)
    with torch.no_grad():
        expected = net(x)
        tiled = tiled_forward(net, x, tile=17, overlap=6)
    assert (tiled - expected).abs().max().item() < 1e-4


def test_overlap_below_receptive_field_differs(residual_cnn):
    """The check above can fail: too small an overlap leaves visible seams."""
    x = _photo(61, 50)
    with torch.no_grad():
        expected = residual_cnn(x)
        tiled = tiled_forward(residual_cnn, x, tile=23, overlap=4)
    assert (tiled - expected).abs().max().item() > 1e-3


def test_scale_two_pixel_shuffle():
    torch.manual_seed(2)
    # 3x3 conv (radius 1 input px), shuffle, 3x3 conv at 2x (radius 1 output
    # px = 0.5 input px): an overlap of 4 input pixels is plenty.
    net = nn.Sequential(nn.Conv2d(3, 12, 3, padding=1), nn.PixelShuffle(2),
                        nn.Conv2d(3, 3, 3, padding=1)).eval()
    x = _photo(37, 29)
    with torch.no_grad():
        expected = net(x)
        tiled = tiled_forward(net, x, tile=16, overlap=6, scale=2)
    assert tiled.shape == (1, 3, 74, 58)
    assert (tiled - expected).abs().max().item() < 1e-4


class _DownUp(nn.Module):
    """Two stride-2 convs down, two nearest upsamplings back: needs sides % 4 == 0."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(3)
        self.down = nn.Sequential(nn.Conv2d(3, 8, 3, 2, 1), nn.ReLU(), nn.Conv2d(8, 8, 3, 2, 1))
        self.up = nn.Sequential(nn.Upsample(scale_factor=2), nn.Conv2d(8, 8, 3, padding=1),
                                nn.ReLU(), nn.Upsample(scale_factor=2),
                                nn.Conv2d(8, 3, 3, padding=1))
        self.seen = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        assert x.shape[-2] % 4 == 0 and x.shape[-1] % 4 == 0, x.shape
        self.seen.append(tuple(x.shape[-2:]))
        return self.up(self.down(x))


def test_size_divisor_padding_matches_padded_whole_image():
    net = _DownUp().eval()
    x = _photo(75, 66)
    with torch.no_grad():
        # Oracle: pad the whole image (reflect, bottom/right) to a multiple of 4.
        padded = F.pad(x, (0, 2, 0, 1), mode='reflect')
        expected = net(padded)[..., :75, :66]
        net.seen.clear()
        tiled = tiled_forward(net, x, tile=37, overlap=24, size_divisor=4)
    assert tiled.shape == expected.shape
    assert (tiled - expected).abs().max().item() < 1e-4
    # one tile at a time, each at most the tile size rounded up to the divisor
    assert len(net.seen) > 4 and max(max(s) for s in net.seen) <= 40


def test_tile_spans_hand_example():
    # 100 px, tile <= 37, overlap 20: stride <= 17 needs ceil(80 / 17) = 5 tiles;
    # shrunk evenly: stride ceil(80 / 5) = 16, size 36.
    assert tile_spans(100, 37, 20) == [(0, 36), (16, 52), (32, 68), (48, 84), (64, 100)]
    # divisor 8: tile 30 -> 32, stride <= 24: ceil(92 / 24) = 4 tiles, stride 24;
    # starts are multiples of 8, the last tile ends at the border (28 px, padded).
    assert tile_spans(100, 30, 8, 8) == [(0, 32), (24, 56), (48, 80), (72, 100)]
    # 1024 px, tile 512, overlap 32: 3 tiles of 363, not 3 of 512
    assert tile_spans(1024, 512, 32) == [(0, 363), (331, 694), (662, 1024)]
    assert tile_spans(13, 32, 8, 8) == [(0, 13)]


@pytest.mark.parametrize('length,tile,overlap,divisor',
                         [(61, 23, 12, 1), (99, 17, 6, 1), (75, 37, 24, 4), (1000, 64, 21, 8)])
def test_tile_spans_properties(length, tile, overlap, divisor):
    spans = tile_spans(length, tile, overlap, divisor)
    assert spans[0][0] == 0 and spans[-1][1] == length
    assert all(end - start <= -(-tile // divisor) * divisor for start, end in spans)
    for (start, end), (next_start, next_end) in zip(spans, spans[1:]):
        assert next_start % divisor == 0 and (end - start) % divisor == 0
        assert end - next_start >= overlap and next_start > start and next_end > end


def test_output_on_cpu_and_bad_arguments(residual_cnn):
    x = _photo(30, 30)
    with torch.no_grad():
        out = tiled_forward(residual_cnn, x, tile=16, overlap=4, out_device='cpu')
    assert out.device.type == 'cpu'
    with pytest.raises(ValueError, match='no stride'):
        tiled_forward(residual_cnn, x, tile=8, overlap=8)
    with pytest.raises(ValueError, match=r'\[N, C, H, W\]'):
        tiled_forward(residual_cnn, x[0], tile=16, overlap=4)
