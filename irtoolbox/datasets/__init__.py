"""Datasets, samplers and (in ``transforms``) the data pipeline."""
from . import transforms  # noqa: F401
from .basic_restoration_dataset import BasicRestorationDataset  # noqa: F401
from .image_io import ImageDecodeError, decode_image, load_image  # noqa: F401
from .lmdb_backend import LazyLmdbBackend, read_meta_info  # noqa: F401
from .paired_image_dataset import PairedImageDataset  # noqa: F401
from .samplers import ResumableInfiniteSampler  # noqa: F401
from .synthetic_pair_dataset import SyntheticPairDataset  # noqa: F401
