"""StyleGAN2Generator against oracles made by running NVlabs/stylegan2-ada-pytorch
(../shared/reference/stylegan2, FACTS.md sec. 7) and its published parameter counts."""
import json
from pathlib import Path

import pytest
import torch

from irtoolbox.models.generators.stylegan2 import StyleGAN2Generator

REF = Path(__file__).resolve().parents[2].parent / 'shared' / 'reference' / 'stylegan2'
pytestmark = pytest.mark.skipif(not REF.is_dir(), reason='needs ../shared/reference/stylegan2')


def build_from_meta(folder: Path, **kwargs) -> StyleGAN2Generator:
    """The generator from the oracle's NVlabs kwargs, its state dict loaded strictly."""
    meta = json.loads((folder / 'meta.json').read_text())['generator_kwargs']
    syn = meta['synthesis_kwargs']
    gen = StyleGAN2Generator(resolution=meta['img_resolution'], z_dim=meta['z_dim'],
                             w_dim=meta['w_dim'], img_channels=meta['img_channels'],
                             mapping_layers=meta['mapping_kwargs']['num_layers'],
                             channel_base=syn['channel_base'], channel_max=syn['channel_max'],
                             num_fp16_res=syn['num_fp16_res'], conv_clamp=syn['conv_clamp'],
                             **kwargs)
    gen.load_state_dict(torch.load(folder / 'state_dict.pt', weights_only=True), strict=True)
    return gen.eval()


def load(folder: Path, name: str):
    return torch.load(folder / f'{name}.pt', weights_only=True)


def assert_close(out: torch.Tensor, ref: torch.Tensor) -> None:
    tol = 1e-5 * max(1.0, ref.abs().max().item())
    assert out.shape == ref.shape
    err = (out - ref).abs().max().item()
    assert err <= tol, f'max |diff| {err:.3g} > {tol:.3g}'


@pytest.mark.parametrize('config', ['tiny', 'tiny_clamp'])
@pytest.mark.parametrize('fused', [True, False])
def test_matches_nvlabs_oracles(config: str, fused: bool) -> None:
    folder = REF / config
    gen = build_from_meta(folder, fused_modconv=fused)
    z, ws = load(folder, 'z'), load(folder, 'ws')
    with torch.no_grad():
        assert_close(gen.mapping(z, broadcast=True), load(folder, 'mapping'))
        for name in ('mapping_trunc', 'mapping_trunc_cutoff'):
            ref = load(folder, name)
            assert_close(gen.mapping(z, ref['psi'], ref['cutoff'], broadcast=True), ref['out'])
        assert_close(gen.synthesis(ws, noise_mode='const'), load(folder, 'synth_const'))
        assert_close(gen.synthesis(ws, noise_mode='none'), load(folder, 'synth_none'))
        assert_close(gen(z, noise_mode='const'), load(folder, 'gen_const'))


def test_restorer_contract() -> None:
    """mapping(z) is N x w_dim (row 0 of NVlabs' broadcast form); w_avg is the mean latent."""
    folder = REF / 'tiny'
    gen = build_from_meta(folder)
    z = load(folder, 'z')
    with torch.no_grad():
        assert torch.equal(gen.mapping(z), gen.mapping(z, broadcast=True)[:, 0])
    sd = torch.load(folder / 'state_dict.pt', weights_only=True)
    assert torch.equal(gen.tracked_mean_latent(), sd['mapping.w_avg'])
    assert (gen.num_ws, gen.z_dim, gen.w_dim) == (8, 64, 64)


def count(**kwargs) -> tuple:
    with torch.device('meta'):  # shapes only: no memory for the 1024 px model
        gen = StyleGAN2Generator(**kwargs)
    return sum(p.numel() for p in gen.parameters()), gen.num_ws, len(gen.state_dict())


def test_parameter_counts() -> None:
    """FACTS.md sec. 2: counts of NVlabs' G for the tiny, paper256 and 1024 configs."""
    assert count(resolution=32, z_dim=64, w_dim=64, mapping_layers=2, channel_base=512,
                 channel_max=64) == (188_611, 8, 75)
    assert count(resolution=256, channel_base=16384, num_fp16_res=4,
                 conv_clamp=256) == (24_767_458, 14, 144)
    assert count(resolution=1024, channel_base=32768) == (30_370_060, 18, 182)


def test_latent_restorer_starts_from_w_avg() -> None:
    """LatentRestorer with the tiny NVlabs weights: the start is w_avg on every row and
    one restoration step runs (gradient through synthesis)."""
    from irtoolbox.models.restorers.latent_restorer import LatentRestorer
    folder = REF / 'tiny'
    restorer = LatentRestorer(
        generator=dict(type='StyleGAN2Generator', resolution=32, z_dim=64, w_dim=64,
                       mapping_layers=2, channel_base=512, channel_max=64, noise_mode='const'),
        data_loss=dict(type='MSELoss'), generator_checkpoint=str(folder / 'state_dict.pt'),
        num_steps=1, num_mean_samples=8)
    restorer.load_generator()
    ws, _ = restorer.start(torch.device('cpu'))
    w_avg = torch.load(folder / 'state_dict.pt', weights_only=True)['mapping.w_avg']
    assert torch.equal(ws, w_avg.expand(8, -1))
    out = restorer.restore(torch.zeros(1, 3, 32, 32))
    assert out.shape == (1, 3, 32, 32) and torch.isfinite(out).all()


def test_built_generator_is_initialised_without_init_weights():
    # NVlabs' modules initialise in their constructors: init_model and a saved untrained
    # model never call init_weights, and torch.empty there gave NaN restorations
    torch.manual_seed(0)
    gen = StyleGAN2Generator(resolution=16, z_dim=32, w_dim=32, mapping_layers=2,
                             channel_base=512, channel_max=32)
    for name, value in gen.state_dict().items():
        if name.endswith('affine.bias'):       # styles start at 1 (bias_init=1)
            assert torch.equal(value, torch.ones_like(value)), name
        elif name.endswith(('bias', 'noise_strength')):
            assert torch.equal(value, torch.zeros_like(value)), name
        elif name.endswith('w_avg'):
            assert not value.any(), name
        elif name.endswith('resample_filter'):  # the fixed FIR buffer
            assert torch.allclose(value, torch.outer(*[torch.tensor([1., 3, 3, 1])] * 2) / 64)
        elif name.startswith('mapping'):        # unit draws / lr multiplier 0.01
            assert abs(value.std().item() - 100.0) < 15.0, name
        else:                                   # conv / ToRGB weights, const, noise maps
            tol = 0.25 if value.numel() >= 100 else 0.5   # a 4 x 4 noise map: 16 draws
            assert abs(value.std().item() - 1.0) < tol, name
    image = gen(torch.randn(2, 32))
    assert image.shape == (2, 3, 16, 16) and torch.isfinite(image).all()
