"""The fast wavefront sampler returns exactly the naive sampler's images for the
same draws (several sizes, batch sizes and depths); the draws decide the image."""
import pytest
import torch

from irtoolbox.models.density import ConditionalPixelCNN
from irtoolbox.models.density.pixelcnn_sampler import make_draws, sample_fast, sample_naive


def _model(blocks, mix=3, seed=0):
    torch.manual_seed(seed)
    model = ConditionalPixelCNN(channels=8, num_blocks=blocks, num_mix=mix)
    model.init_weights()
    with torch.no_grad():  # a trained-looking spread of parameters, biases too
        for p in model.parameters():
            p.add_(0.3 * torch.randn_like(p))
    return model.eval()


@pytest.mark.parametrize('blocks,height,width,batch', [
    (2, 5, 7, 1), (1, 9, 4, 2), (3, 8, 8, 3), (2, 1, 6, 1), (2, 6, 1, 2), (1, 17, 23, 1),
    (2, 7, 15, 2), (1, 12, 20, 3)])   # the last two: several rows at once in a batch
def test_fast_equals_naive_bit_for_bit(blocks, height, width, batch):
    model = _model(blocks)
    cond = torch.rand(batch, 3, height, width, generator=torch.Generator().manual_seed(5)) * 2 - 1
    draws = make_draws(batch, 3, model.num_mix, height, width,
                       torch.Generator().manual_seed(blocks + height))
    naive = sample_naive(model, cond, draws)
    fast = sample_fast(model, cond, draws)
    assert torch.equal(fast, naive)
    # 8-bit levels in [-1, 1], and not a constant image
    levels = (naive + 1) * 127.5
    assert (levels - torch.round(levels)).abs().max() < 1e-4
    assert naive.min() >= -1 and naive.max() <= 1 and naive.std() > 0.05


def test_other_draws_give_another_image_and_continuous_samples_agree_to_rounding():
    model = _model(2)
    cond = torch.rand(2, 3, 6, 6) * 2 - 1
    draws = make_draws(2, 3, model.num_mix, 6, 6, torch.Generator().manual_seed(0))
    other = make_draws(2, 3, model.num_mix, 6, 6, torch.Generator().manual_seed(1))
    assert not torch.equal(sample_fast(model, cond, draws), sample_fast(model, cond, other))
    naive = sample_naive(model, cond, draws, num_bins=None)
    fast = sample_fast(model, cond, draws, num_bins=None)
    assert (naive - fast).abs().max() < 1e-5


def test_wrong_draws_are_refused():
    model = _model(1)
    draws = make_draws(1, 3, model.num_mix + 1, 4, 4)
    with pytest.raises(ValueError, match='gumbel'):
        sample_fast(model, torch.zeros(1, 3, 4, 4), draws)


def test_samplers_agree_in_train_mode_and_restore_it():
    # issue 22: with dropout 0.5 in train mode the naive sampler used to drop units
    # while the fast one (which reads the weights) could not; both now sample as in eval
    model = _model(2).train()
    model.u_blocks[0].eval()                      # a mixed mode must come back as it was
    modes = [m.training for m in model.modules()]
    cond = torch.rand(2, 3, 6, 7, generator=torch.Generator().manual_seed(1)) * 2 - 1
    draws = make_draws(2, 3, model.num_mix, 6, 7, torch.Generator().manual_seed(2))
    torch.manual_seed(3)
    naive = sample_naive(model, cond, draws)
    assert [m.training for m in model.modules()] == modes
    assert torch.equal(sample_fast(model, cond, draws), naive)
    assert [m.training for m in model.modules()] == modes
