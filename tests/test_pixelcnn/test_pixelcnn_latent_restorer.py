"""Latent-optimisation restoration: the loss goes down, the generator is untouched,
any module with the mapping/synthesis contract plugs in, spherical keeps norms."""
import pytest
import torch
import torch.nn as nn

from irtoolbox.models.restorers.latent_restorer import LatentRestorer, geocross
from irtoolbox.registry import MODELS
from irtoolbox.structures import RestorationDataSample

GEN = dict(type='StyleGAN2Generator', resolution=8, z_dim=8, w_dim=8, mapping_layers=2,
           channel_base=64, channel_max=8, noise_mode='const')


def _restorer(**kwargs):
    torch.manual_seed(0)
    cfg = dict(generator=GEN, data_loss=dict(type='MSELoss'), num_steps=30, lr=0.05,
               num_prior_samples=64, num_mean_samples=256)
    cfg.update(kwargs)
    model = LatentRestorer(**cfg)
    model.init_weights()
    return model.eval()


def _batch(model, seed=1):
    gen = torch.Generator().manual_seed(seed)
    target = torch.rand(2, 3, 8, 8, generator=gen)      # in [0, 1]
    data = dict(inputs=list(target), data_samples=[RestorationDataSample() for _ in range(2)])
    return model.data_preprocessor(data)


@pytest.mark.parametrize('extra', [
    dict(), dict(mmd_loss=dict(type='MMDLoss', gamma=8.0, loss_weight=1.0), spherical=False),
    dict(mmd_loss=dict(type='MMDLoss', kernel='gaussian', gamma=8.0), cross_weight=0.0)])
def test_restoration_lowers_its_loss_and_leaves_the_generator_untouched(extra):
    model = _restorer(**extra)
    before = {k: v.clone() for k, v in model.generator.state_dict().items()}
    batch = _batch(model)
    samples = model(batch['inputs'], batch['data_samples'], mode='predict')
    assert len(model.history) == 2
    for history in model.history:
        assert len(history) == 30 and history[-1] < history[0]
    after = model.generator.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert all(p.grad is None for p in model.generator.parameters())
    assert samples[0].pred_img.shape == (3, 8, 8)
    assert 0 <= samples[0].pred_img.min() and samples[0].pred_img.max() <= 1


def test_spherical_keeps_each_latent_norm_and_geocross_is_an_angle():
    a = torch.tensor([[1.0, 0.0], [0.0, 2.0]])
    # angles 0 and pi/2 between the two rows: mean of [0, (pi/2)^2, (pi/2)^2, 0]
    assert abs(geocross(a).item() - (torch.pi / 2) ** 2 / 2) < 1e-5
    model = _restorer(num_steps=5)
    seen = []  # every ws the synthesis network is called with
    model.generator.synthesis.register_forward_pre_hook(
        lambda module, args: seen.append(args[0].detach().clone()))
    batch = _batch(model)
    model(batch['inputs'][:1], batch['data_samples'][:1], mode='tensor')
    norms = [w[0].norm(dim=1) for w in seen[:-1]]
    assert all(torch.allclose(n, norms[0], atol=1e-5) for n in norms)
    assert not torch.equal(seen[0], seen[-1])


@MODELS.register_module()
class _LinearToyGenerator(nn.Module):
    """A third-party generator: only the contract (mapping, synthesis, sizes)."""

    z_dim, w_dim, num_ws = 4, 4, 2

    def __init__(self):
        super().__init__()
        self.map = nn.Linear(4, 4)
        self.out = nn.Linear(8, 3 * 4 * 4)

    def mapping(self, z):
        return self.map(z)

    def synthesis(self, ws):
        return torch.tanh(self.out(ws.flatten(1))).view(-1, 3, 4, 4)


def test_any_generator_with_the_contract_plugs_in_and_others_are_refused():
    model = _restorer(generator=dict(type='_LinearToyGenerator'), num_steps=20, lr=0.1,
                      mmd_loss=dict(type='MMDLoss', gamma=4.0))
    gen = torch.Generator().manual_seed(2)
    target = torch.rand(1, 3, 4, 4, generator=gen)
    batch = model.data_preprocessor(dict(inputs=list(target),
                                         data_samples=[RestorationDataSample()]))
    out = model(batch['inputs'], batch['data_samples'], mode='tensor')
    assert out.shape == (1, 3, 4, 4)
    assert model.history[0][-1] < model.history[0][0]
    with pytest.raises(TypeError, match='mapping'):
        LatentRestorer(generator=dict(type='L1Loss'), data_loss=dict(type='MSELoss'))
