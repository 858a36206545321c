from .gan_loss import GANLoss
from .pixel_loss import CharbonnierLoss, L1Loss, MSELoss

__all__ = ['L1Loss', 'MSELoss', 'CharbonnierLoss']
__all__ += ['GANLoss']
