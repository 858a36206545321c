"""Output heads, including those that read the batch (DL-Net's likelihood head)."""
from .likelihood_head import LikelihoodHead
from .observation_model import ObservationModel

__all__ = ['LikelihoodHead', 'ObservationModel']
