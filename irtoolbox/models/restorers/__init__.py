"""Top-level restoration models driven by the Runner."""
from .all_in_one_restorer import AllInOneRestorer
from .density_model import DegradationDensityModel
from .gan_restorer import GANRestorer
from .latent_restorer import LatentRestorer
from .restorer import Restorer
from .unconditional_gan import UnconditionalGAN

__all__ = ['AllInOneRestorer', 'DegradationDensityModel', 'GANRestorer', 'LatentRestorer',
           'Restorer', 'UnconditionalGAN']
