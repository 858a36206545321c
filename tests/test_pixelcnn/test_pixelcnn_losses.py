"""MMD (Eq. 6-7) against hand-computed values; the degradation likelihood loss loads
a frozen model through the safe loader and refuses a code-running checkpoint."""
import math

import pytest
import torch

from irtoolbox.models.density import ConditionalPixelCNN
from irtoolbox.models.losses.degradation_likelihood_loss import DegradationLikelihoodLoss
from irtoolbox.models.losses.discretized_logistic_mixture_loss import mixture_log_prob
from irtoolbox.models.losses.mmd import MMDLoss, mmd2
from irtoolbox.utils.checkpoint import UnsafeCheckpointError


def _hand_mmd(xs, ys, gamma, squared, unbiased):
    """Eq. 7 with python loops (the unbiased form drops i == j in the within-set sums)."""
    def k(a, b):
        d2 = sum((p - q) ** 2 for p, q in zip(a, b))
        return math.exp(-(d2 if squared else math.sqrt(d2)) / gamma)

    def within(s):
        pairs = [(i, j) for i in range(len(s)) for j in range(len(s)) if not (unbiased and i == j)]
        return sum(k(s[i], s[j]) for i, j in pairs) / len(pairs)
    cross = sum(k(a, b) for a in xs for b in ys) / (len(xs) * len(ys))
    return within(xs) + within(ys) - 2 * cross


@pytest.mark.parametrize('kernel', ['distance', 'gaussian'])
@pytest.mark.parametrize('estimator', ['biased', 'unbiased'])
def test_mmd_matches_eq7_by_hand(kernel, estimator):
    xs = [[0.0, 1.0], [2.0, -1.0], [0.5, 0.5]]
    ys = [[1.0, 1.0], [3.0, 0.0], [-1.0, 2.0], [0.0, 0.0]]
    got = mmd2(torch.tensor(xs, dtype=torch.float64), torch.tensor(ys, dtype=torch.float64),
               gamma=2.0, kernel=kernel, estimator=estimator).item()
    want = _hand_mmd(xs, ys, 2.0, kernel == 'gaussian', estimator == 'unbiased')
    assert abs(got - want) < 1e-12


def test_mmd_zero_for_same_set_grows_with_shift_finite_gradients():
    torch.manual_seed(0)
    x = torch.randn(18, 16)
    loss = MMDLoss(gamma=8.0)
    assert abs(loss(x, x).item()) < 1e-6
    values = [loss(x, x + shift).item() for shift in (0.5, 1.0, 2.0, 4.0)]
    assert all(a < b for a, b in zip(values, values[1:])), values
    for kernel in ('distance', 'gaussian'):
        for estimator in ('biased', 'unbiased'):
            w = x.clone().requires_grad_()
            MMDLoss(gamma=512.0, kernel=kernel, estimator=estimator)(w, x + 1).backward()
            assert torch.isfinite(w.grad).all() and w.grad.abs().sum() > 0
            w = x.clone().requires_grad_()   # identical rows: the zero distances
            MMDLoss(kernel=kernel, estimator=estimator)(w, x).backward()
            assert torch.isfinite(w.grad).all()


def _density_cfg():
    return dict(type='ConditionalPixelCNN', channels=6, num_blocks=1, num_mix=2)


def _trained_checkpoint(tmp_path):
    torch.manual_seed(2)
    model = ConditionalPixelCNN(channels=6, num_blocks=1, num_mix=2)
    model.init_weights()
    path = str(tmp_path / 'density.pth')
    # the layout tools/train.py writes for a DegradationDensityModel
    torch.save(dict(meta=dict(iter=1),
                    state_dict={f'density.{k}': v for k, v in model.state_dict().items()}), path)
    return model.eval(), path


def test_likelihood_loss_is_frozen_nll_in_its_input_range(tmp_path):
    model, path = _trained_checkpoint(tmp_path)
    loss = DegradationLikelihoodLoss(_density_cfg(), checkpoint=path, input_range=(0.0, 1.0))
    loss.train()
    assert not loss.model.training
    assert all(not p.requires_grad for p in loss.parameters())
    assert DegradationLikelihoodLoss.loss_inputs == ('pred', 'lq')
    torch.manual_seed(3)
    pred = torch.rand(2, 3, 5, 6, requires_grad=True)
    lq = torch.randint(0, 256, (2, 3, 5, 6)).float() / 255
    value = loss(pred, lq)
    value.backward()
    with torch.no_grad():
        x = lq * 2 - 1
        want = -mixture_log_prob(model(x, pred * 2 - 1), x).sum() / (x.numel() * math.log(2))
    assert abs(value.item() - want.item()) < 1e-5
    assert torch.isfinite(pred.grad).all() and pred.grad.abs().sum() > 0


class _WritesAFile:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return eval, (f"open({self.path!r}, 'w').write('pwned')",)


def test_likelihood_loss_refuses_code_running_checkpoint(tmp_path):
    target = tmp_path / 'pwned.txt'
    evil = str(tmp_path / 'evil.pth')
    torch.save(dict(state_dict={}, meta=_WritesAFile(str(target))), evil)
    loss = DegradationLikelihoodLoss(_density_cfg(), checkpoint=evil)   # read at first use
    with pytest.raises(UnsafeCheckpointError, match='eval'):
        loss(torch.zeros(1, 3, 4, 4), torch.zeros(1, 3, 4, 4))
    assert not target.exists()


def test_likelihood_loss_names_a_mismatched_checkpoint(tmp_path):
    _, path = _trained_checkpoint(tmp_path)
    cfg = dict(_density_cfg(), channels=8)
    with pytest.raises((KeyError, RuntimeError), match='density.pth|size mismatch'):
        DegradationLikelihoodLoss(cfg, checkpoint=path).load()


def test_mmd_loss_reuses_the_prior_term_only_for_the_same_prior():
    torch.manual_seed(5)
    loss = MMDLoss(gamma=3.0)
    x, prior_a, prior_b = torch.randn(4, 3), torch.randn(9, 3), torch.randn(9, 3) + 1
    for prior in (prior_a, prior_a, prior_b, prior_a):
        assert abs(loss(x, prior).item() - mmd2(x, prior, 3.0).item()) < 1e-6
    prior_a.add_(0.5)   # changed in place: recomputed
    assert abs(loss(x, prior_a).item() - mmd2(x, prior_a, 3.0).item()) < 1e-6
