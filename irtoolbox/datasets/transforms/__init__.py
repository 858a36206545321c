"""Data pipeline transforms; members register themselves on import."""
from .crop import PairedRandomCrop, RandomCrop
from .degrade import Degrade
from .flip import Flip, RandomTranspose
from .formatting import PackInputs
from .hybrid_degrade import HybridDegrade
from .loading import LoadImageFromFile

__all__ = ['LoadImageFromFile', 'PairedRandomCrop', 'RandomCrop', 'Flip', 'RandomTranspose',
           'Degrade', 'HybridDegrade', 'PackInputs']
