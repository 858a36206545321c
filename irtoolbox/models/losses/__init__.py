"""Losses: pixel-wise and adversarial."""
from .gan_loss import GANLoss
from .pixel_loss import CharbonnierLoss, L1Loss, MSELoss
from .svdo_loss import SVDOLoss

__all__ = ['CharbonnierLoss', 'GANLoss', 'L1Loss', 'MSELoss', 'SVDOLoss']
