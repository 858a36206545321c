"""Losses: pixel-wise and adversarial."""
from .degradation_likelihood_loss import DegradationLikelihoodLoss
from .degradation_type_loss import DegradationTypeLoss
from .discretized_logistic_mixture_loss import DiscretizedLogisticMixtureLoss
from .gan_loss import GANLoss
from .level_type_ce_loss import LevelTypeCELoss
from .likelihood_loss import LikelihoodLoss
from .mmd import MMDLoss
from .pixel_loss import CharbonnierLoss, L1Loss, MSELoss
from .released_sam_loss import ReleasedSAMLoss
from .sdam_loss import SDAMLoss
from .svdo_loss import SVDOLoss

__all__ = ['CharbonnierLoss', 'DegradationLikelihoodLoss', 'DegradationTypeLoss',
           'DiscretizedLogisticMixtureLoss', 'GANLoss', 'L1Loss', 'LevelTypeCELoss',
           'LikelihoodLoss', 'MMDLoss', 'MSELoss', 'ReleasedSAMLoss', 'SDAMLoss', 'SVDOLoss']
