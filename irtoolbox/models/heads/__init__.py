"""Output heads, including those that read the batch (DL-Net's likelihood head)."""
from irtoolbox.degradations.observation_model import ObservationModel

from .likelihood_head import LikelihoodHead

__all__ = ['LikelihoodHead', 'ObservationModel']
