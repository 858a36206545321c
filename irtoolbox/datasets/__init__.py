"""Datasets, samplers, image decoding, LMDB reading and (in ``transforms``) the pipeline."""
from . import transforms  # noqa: F401  (registers the transforms)
from .basic_restoration_dataset import BasicRestorationDataset
from .degraded_dataset import DegradedDataset
from .dual_pixel_dataset import DualPixelPairDataset, PackDualPixelInputs
from .hybrid_distortion_dataset import HybridDistortionDataset
from .image_io import ImageDecodeError, decode_image, load_image
from .lmdb_backend import LazyLmdbBackend, read_meta_info
from .multi_task_dataset import MultiTaskDataset
from .paired_image_dataset import PairedImageDataset
from .samplers import ResumableInfiniteSampler
from .synthetic_pair_dataset import SyntheticPairDataset

__all__ = ['BasicRestorationDataset', 'DegradedDataset', 'DualPixelPairDataset',
           'HybridDistortionDataset', 'PackDualPixelInputs',
           'ImageDecodeError',
           'LazyLmdbBackend', 'MultiTaskDataset',
           'PairedImageDataset', 'ResumableInfiniteSampler', 'SyntheticPairDataset',
           'decode_image', 'load_image', 'read_meta_info']
