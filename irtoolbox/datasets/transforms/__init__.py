"""Data pipeline transforms; members register themselves on import."""
from .crop import PairedRandomCrop, RandomCrop
from .degrade import Degrade
from .dlnet_transforms import CenterCrop, ToYChannel
from .flip import Flip, RandomTranspose
from .formatting import PackInputs
from .hybrid_degrade import HybridDegrade
from .loading import LoadImageFromFile

__all__ = ['LoadImageFromFile', 'PairedRandomCrop', 'RandomCrop', 'Flip', 'RandomTranspose',
           'Degrade', 'HybridDegrade', 'PackInputs', 'CenterCrop',
           'ToYChannel']
