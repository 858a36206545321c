"""Losses: pixel-wise and adversarial."""
from .gan_loss import GANLoss
from .pixel_loss import CharbonnierLoss, L1Loss, MSELoss

__all__ = ['CharbonnierLoss', 'GANLoss', 'L1Loss', 'MSELoss']
