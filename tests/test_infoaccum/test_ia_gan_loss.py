"""GANLoss (InfoAccum paper Eq. 16-17): LSGAN and vanilla against hand formulas."""
import math

import pytest
import torch

from irtoolbox.models.losses.gan_loss import GANLoss


def test_lsgan_formula():
    pred = torch.tensor([[0.3, -1.2], [2.0, 0.9]])
    loss = GANLoss('lsgan')
    vals = [0.3, -1.2, 2.0, 0.9]
    assert loss(pred, True).item() == pytest.approx(sum((v - 1) ** 2 for v in vals) / 4)
    assert loss(pred, False).item() == pytest.approx(sum(v ** 2 for v in vals) / 4)
    assert GANLoss('lsgan', loss_weight=0.5)(pred, True).item() == pytest.approx(
        0.5 * sum((v - 1) ** 2 for v in vals) / 4)


def test_vanilla_is_bce_with_logits():
    vals = [0.3, -1.2, 2.0, 0.9]
    pred = torch.tensor(vals).reshape(1, 1, 2, 2)
    sig = [1 / (1 + math.exp(-v)) for v in vals]
    real = -sum(math.log(s) for s in sig) / 4
    fake = -sum(math.log(1 - s) for s in sig) / 4
    assert GANLoss('vanilla')(pred, True).item() == pytest.approx(real, rel=1e-6)
    assert GANLoss('vanilla')(pred, False).item() == pytest.approx(fake, rel=1e-6)
    smooth = -sum(0.9 * math.log(s) + 0.1 * math.log(1 - s) for s in sig) / 4
    assert GANLoss('vanilla', real_label=0.9)(pred, True).item() == pytest.approx(smooth,
                                                                                 rel=1e-6)


def test_bad_type():
    with pytest.raises(ValueError, match="gan_type must be one of"):
        GANLoss('wgan')
