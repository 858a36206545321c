"""Losses: pixel-wise and adversarial."""
from .discretized_logistic_mixture_loss import DiscretizedLogisticMixtureLoss
from .gan_loss import GANLoss
from .pixel_loss import CharbonnierLoss, L1Loss, MSELoss
from .svdo_loss import SVDOLoss

__all__ = ['CharbonnierLoss', 'DiscretizedLogisticMixtureLoss',
           'GANLoss', 'L1Loss', 'MSELoss', 'SVDOLoss']
