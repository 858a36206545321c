"""Shared base of the restoration datasets: per-sample seeding and bad files.

Per-sample randomness (the project contract): ``dataset[idx]`` and
``dataset[(idx, pass_)]`` run the pipeline with numpy's and Python's global
random generators seeded from ``(seed, idx, pass_)`` through
:class:`numpy.random.SeedSequence`; ``pass_`` is 0 for a plain int and always 0
in test mode. The caller's generator states are saved before and restored
after, so a sample is a pure function of ``(seed, idx, pass_)``: the test split
is fixed, training draws new crops/flips/degradations each pass, and a resumed
run sees exactly the samples it would have seen, whatever the number of
workers or ranks. Transforms must draw only from ``np.random`` / ``random``
(global state) or from generators seeded from it.

Bad files: mmengine's ``BaseDataset`` retries a failed sample with a *random*
other index (``max_refetch``); that hides the failure and breaks determinism,
so it is not used. With ``on_error='raise'`` (default) a sample whose file is
missing, undecodable or of an unusable size raises one error naming the file
and the reason. With ``on_error='skip'`` each bad file is logged once (a
warning with the running count) and the next good index (``idx + 1``,
``idx + 2``, ... wrapping around) is returned, exactly as ``dataset[idx + k]``
would be. In test mode (validation, test) that stand-in carries the metainfo
:data:`SKIPPED_KEY` (the bad file), and the tools' runner drops it from the
evaluation, so each good image is scored once and the bad one not at all.
``num_skipped`` / ``skipped_paths`` count the distinct bad files seen
*by this process* (each DataLoader worker has its own copy of the dataset).
Only data errors (:data:`~irtoolbox.datasets.image_io.DATA_ERRORS`) are
skipped; a bug in a transform always raises.
"""
import logging
import os.path as osp
import random
from typing import Callable, Dict, List, Optional, Sequence, Set, Tuple, Union

import numpy as np
from mmengine import fileio
from mmengine.dataset import BaseDataset
from mmengine.logging import print_log

from irtoolbox.registry import TRANSFORMS
from irtoolbox.utils.image_conventions import ARRAY_EXTENSIONS, IMAGE_EXTENSIONS

from .image_io import DATA_ERRORS
from .lmdb_backend import META_INFO_NAME

# Decodable images and np.save arrays (image_io reads both).
IMG_EXTENSIONS = IMAGE_EXTENSIONS + ARRAY_EXTENSIONS
ON_ERROR = ('raise', 'skip')
#: metainfo key marking a test-mode stand-in for a bad sample (value: the bad file)
SKIPPED_KEY = 'stands_in_for_bad_sample'

Index = Union[int, Tuple[int, int]]


def build_pipeline(pipeline: Sequence[Union[dict, Callable]]) -> List[Callable]:
    """Build transform configs with the irtoolbox registry (our scope first).

    mmengine's ``Compose`` builds from its root registry, which sees our
    transforms only when the default scope is set; building here makes a
    dataset work the same from a config, a Runner or plain Python.
    """
    built = []
    for transform in pipeline:
        if isinstance(transform, dict):
            transform = TRANSFORMS.build(transform)
        if not callable(transform):
            raise TypeError(f'A pipeline step must be a dict or callable, got {type(transform)}')
        built.append(transform)
    return built


def sample_seed(seed: int, index: int, pass_: int) -> np.ndarray:
    """128 bits of seed material for one sample, a pure function of the triple."""
    return np.random.SeedSequence([seed, index, pass_]).generate_state(4)


class BasicRestorationDataset(BaseDataset):
    """Base for restoration datasets (see the module docstring).

    Args:
        seed: the dataset seed of every sample's randomness.
        on_error: ``'raise'`` or ``'skip'`` for samples with bad files.
        backend_args: mmengine file backend arguments, used to list folders
            and passed to nothing else (transforms take their own).
        **kwargs: :class:`mmengine.dataset.BaseDataset` arguments
            (``data_root``, ``data_prefix``, ``ann_file``, ``pipeline``,
            ``test_mode``, ``metainfo``, ``indices`` ...). ``serialize_data``
            defaults to False; ``max_refetch`` is not used.
    """

    def __init__(self, *, seed: int = 0, on_error: str = 'raise',
                 backend_args: Optional[dict] = None, serialize_data: bool = False,
                 pipeline: Sequence[Union[dict, Callable]] = (), **kwargs) -> None:
        if on_error not in ON_ERROR:
            raise ValueError(f'on_error must be one of {ON_ERROR}, got {on_error!r}')
        self.seed = int(seed)
        self.on_error = on_error
        self.backend_args = backend_args
        self.skipped_paths: List[str] = []
        self._bad_indices: Set[int] = set()
        self._backends: Dict[str, object] = {}
        super().__init__(serialize_data=serialize_data, pipeline=build_pipeline(pipeline),
                         **kwargs)

    @property
    def num_skipped(self) -> int:
        """How many distinct bad files this process has skipped."""
        return len(self.skipped_paths)

    # ------------------------------------------------------------ listing
    def _backend(self, prefix: str):
        # One backend object per prefix: building one per file would be slow.
        if prefix not in self._backends:
            self._backends[prefix] = fileio.get_file_backend(
                prefix, backend_args=self.backend_args)
        return self._backends[prefix]

    def _is_local(self, prefix: str) -> bool:
        return isinstance(self._backend(prefix), fileio.LocalBackend)

    def list_images(self, folder: str) -> List[str]:
        """Image file names (relative, sorted) directly in a local ``folder``."""
        folder = folder or '.'
        if not osp.isdir(folder):
            raise FileNotFoundError(2, f'Image folder not found: {folder!r}', folder)
        names = sorted(fileio.list_dir_or_file(folder, list_dir=False, suffix=IMG_EXTENSIONS,
                                               backend_args=self.backend_args))
        if not names:
            raise FileNotFoundError(2, f'No images ({", ".join(IMG_EXTENSIONS)}) in folder '
                                    f'{folder!r}', folder)
        return names

    @staticmethod
    def read_name_list(ann_file: str) -> List[List[str]]:
        """Read an annotation file: per line ``lq_name gt_name`` or ``name``.

        BasicSR ``meta_info.txt`` lines (``name.png (h,w,c) level``) are read
        as a single name. Blank lines and ``#`` comments are ignored.
        """
        if not osp.isfile(ann_file):
            raise FileNotFoundError(2, f'Annotation file not found: {ann_file!r}', ann_file)
        rows = []
        with open(ann_file, encoding='utf-8') as f:
            for line in f:
                fields = line.split('#', 1)[0].split()
                if not fields:
                    continue
                if len(fields) > 1 and fields[1].startswith('('):
                    fields = fields[:1]  # meta_info.txt: name (h,w,c) level
                if len(fields) > 2:
                    raise ValueError(f'{ann_file}: expected "lq_name gt_name" or "name" per '
                                     f'line, got {line.strip()!r}')
                rows.append(fields)
        if not rows:
            raise ValueError(f'Annotation file {ann_file!r} lists no images')
        return rows

    def names_for(self, prefix: str) -> List[List[str]]:
        """Rows of names for a folder: the ann_file, a listing, or meta_info.txt.

        Local folders are listed; other backends (lmdb, ...) cannot be listed
        portably, so they need ``ann_file`` or a BasicSR ``meta_info.txt``
        inside the ``prefix`` folder.
        """
        if self.ann_file:
            return self.read_name_list(self.ann_file)
        if self._is_local(prefix):
            return [[name] for name in self.list_images(prefix)]
        meta_info = osp.join(prefix, META_INFO_NAME)
        if osp.isfile(meta_info):
            return self.read_name_list(meta_info)
        raise FileNotFoundError(
            2, f'Cannot list images of {prefix!r} with backend_args={self.backend_args}: '
            f'give ann_file or put a meta_info.txt in that folder', meta_info)

    def file_path(self, prefix: str, name: str) -> str:
        """Path of ``name`` under ``prefix``; key-value backends get the key.

        For non-local backends the key is the name without its last extension
        (BasicSR/mmagic LMDB layout: ``a.b.png`` -> key ``a.b``). A backend
        without ``join_path`` (mmengine's ``LmdbBackend``: the database is
        named by ``backend_args['db_path']``) gets the bare key.
        """
        backend = self._backend(prefix)
        if isinstance(backend, fileio.LocalBackend):
            return osp.join(prefix, name) if prefix else name
        key = osp.splitext(name)[0]
        join = getattr(backend, 'join_path', None)
        return join(prefix, key) if join is not None and prefix else key

    # ------------------------------------------------------------ sampling
    def _split_index(self, idx: Index) -> Tuple[int, int]:
        if isinstance(idx, (tuple, list)):
            if len(idx) != 2:
                raise TypeError(f'A dataset index is an int or (index, pass), got {idx!r}')
            idx, pass_ = idx
        else:
            pass_ = 0
        idx, pass_ = int(idx), int(pass_)
        length = len(self)
        if not -length <= idx < length:
            raise IndexError(f'Index {idx} out of range for a dataset of {length} samples')
        return idx % length, 0 if self.test_mode else pass_

    def prepare_seeded(self, idx: int, pass_: int) -> dict:
        """Run the pipeline on sample ``idx`` with seeded global generators."""
        np_state, py_state = np.random.get_state(), random.getstate()
        try:
            state = sample_seed(self.seed, idx, pass_)
            np.random.seed(state)
            random.seed(int.from_bytes(state.tobytes(), 'little'))
            data = self.prepare_data(idx)
        finally:
            np.random.set_state(np_state)
            random.setstate(py_state)
        if data is None:
            raise RuntimeError(f'The pipeline returned None for sample {idx} '
                               f'({self._paths_of(idx)}); transforms must raise instead')
        return data

    def _paths_of(self, idx: int) -> str:
        info = self.get_data_info(idx)
        paths = [info[k] for k in ('img_path', 'gt_path') if info.get(k)]
        return ', '.join(dict.fromkeys(paths))

    def _record_bad(self, idx: int, err: Exception) -> None:
        path = getattr(err, 'path', None) or getattr(err, 'filename', None) \
            or self._paths_of(idx)
        self._bad_indices.add(idx)
        if path in self.skipped_paths:
            return
        self.skipped_paths.append(path)
        print_log(f'Skipping bad sample {idx} ({self.num_skipped} bad file(s) skipped so far): '
                  f'{err}', logger='current', level=logging.WARNING)

    def __getitem__(self, idx: Index) -> dict:
        if not self._fully_initialized:
            self.full_init()
        idx, pass_ = self._split_index(idx)
        if self.on_error == 'raise':
            return self.prepare_seeded(idx, pass_)
        for offset in range(len(self)):
            candidate = (idx + offset) % len(self)
            if candidate in self._bad_indices:
                continue
            try:
                data = self.prepare_seeded(candidate, pass_)
            except DATA_ERRORS as err:
                self._record_bad(candidate, err)
                continue
            if candidate != idx and self.test_mode:  # a stand-in: evaluation drops it
                data['data_samples'].set_metainfo({SKIPPED_KEY: self._paths_of(idx)})
            return data
        raise RuntimeError(f'Every sample of {type(self).__name__} is bad '
                           f'({self.num_skipped} files skipped): {self.skipped_paths[:5]} ...')
