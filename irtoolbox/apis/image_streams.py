"""Images that tiled inference reads and writes a band of rows at a time.

Tiled inference visits tiles row by row, so once a row of tiles is done the
input rows above the next row's first tile and the output rows above its
kept part are never touched again. An :class:`ImageBuffer` is an
``H x W x C`` integer (or float) array plus ``release_rows(row)``, which tiled
inference calls after each row of tiles:

- :class:`InMemoryImage`: an ordinary array; releasing does nothing.
- :class:`MappedImage`: an array over a memory-mapped file (``.npy`` as
  ``numpy.load(mmap_mode='r')`` would map it, uncompressed (Big)TIFF as
  ``tifffile.memmap`` would). Releasing writes finished rows back (``msync``)
  and drops their pages from this process (``madvise(MADV_DONTNEED)``), so the
  resident memory holds about one band of rows (tile height x image width),
  not the image: without it every page read or written stays in the
  process's resident set until the file is unmapped.

File conventions follow the rest of irtoolbox: ``.npy`` arrays are stored
BGR like OpenCV's (:mod:`irtoolbox.datasets.image_io`), TIFF files RGB.
``tifffile`` is optional (``pip install tifffile``, or the ``tiff`` extra);
without it a TIFF path raises one ``ImportError`` line that says so.
"""
import mmap
import os
import os.path as osp
from typing import Callable, Optional, Tuple

import numpy as np

from irtoolbox.datasets.image_io import ImageDecodeError

NPY_EXTS = ('.npy', )
TIFF_EXTS = ('.tif', '.tiff')
STREAMED_EXTS = NPY_EXTS + TIFF_EXTS
TIFFFILE_MISSING = ('TIFF files are read and written tile by tile with the optional package '
                    "tifffile, which is not installed: pip install tifffile (or the 'tiff' "
                    'extra of irtoolbox)')


def import_tifffile():
    """The ``tifffile`` module, or one clear ``ImportError`` line if it is missing."""
    try:
        import tifffile
    except ImportError:
        raise ImportError(TIFFFILE_MISSING) from None
    return tifffile


def is_streamed_path(path: str) -> bool:
    """Whether ``path`` names a ``.npy`` or TIFF file, read/written memory-mapped."""
    return str(path).lower().endswith(STREAMED_EXTS)


def file_channel_order(path: str) -> str:
    """The channel order stored in a streamed file: BGR for ``.npy``, RGB for TIFF."""
    return 'bgr' if str(path).lower().endswith(NPY_EXTS) else 'rgb'


class InMemoryImage:
    """An ``H x W x C`` array held in memory (nothing to release)."""

    def __init__(self, array: np.ndarray) -> None:
        self.array = array

    def release_rows(self, row: int) -> None:
        """Nothing to do: the caller owns the array."""

    def close(self) -> None:
        """Nothing to do."""


class MappedImage:
    """An ``H x W x C`` C-ordered array stored at ``offset`` in a file, memory-mapped.

    Args:
        path: the file (it must already hold ``offset + H * W * C * itemsize``
            bytes).
        offset: where the pixel data starts.
        shape: ``(H, W, C)``.
        dtype: the stored pixel type (any byte order).
        writable: map for writing (changes go to the file) instead of reading.
    """

    def __init__(self, path: str, offset: int, shape: Tuple[int, int, int],
                 dtype: np.dtype, writable: bool = False) -> None:
        self.path = str(path)
        self.writable = writable
        with open(self.path, 'r+b' if writable else 'rb') as f:
            # the mapping keeps its own reference to the file: closing f is fine
            self._mmap = mmap.mmap(f.fileno(), 0,
                                   access=mmap.ACCESS_WRITE if writable else mmap.ACCESS_READ)
        self.array = np.ndarray(shape, np.dtype(dtype), buffer=self._mmap, offset=offset)
        self._offset = offset
        self._row_bytes = shape[1] * shape[2] * np.dtype(dtype).itemsize
        self._released = 0  # bytes from the file's start already written back and dropped

    def release_rows(self, row: int) -> None:
        """Rows ``< row`` are finished: write them back and drop them from memory."""
        end = (self._offset + row * self._row_bytes) // mmap.PAGESIZE * mmap.PAGESIZE
        if end <= self._released:
            return
        start, length = self._released, end - self._released
        if self.writable:
            self._mmap.flush(start, length)
        if hasattr(mmap, 'MADV_DONTNEED'):  # Linux/macOS; elsewhere the OS decides
            self._mmap.madvise(mmap.MADV_DONTNEED, start, length)
        self._released = end

    def close(self) -> None:
        """Write everything back and unmap the file (again: nothing happens)."""
        if self._mmap.closed:
            return
        if self.writable:
            self._mmap.flush()
        self.array = None  # the mapping cannot close while an array views it
        self._mmap.close()


def _as_hwc(shape: Tuple[int, ...], path: str) -> Tuple[int, int, int]:
    if len(shape) == 2:
        shape = (*shape, 1)
    if len(shape) != 3 or shape[2] not in (1, 3, 4) or min(shape) == 0:
        raise ImageDecodeError(path, f'unsupported image shape {tuple(shape)} (HxW or HxWxC '
                               'with C in 1, 3, 4; planar TIFF is not supported)')
    return shape


def _check_dtype(dtype: np.dtype, path: str) -> None:
    if dtype.kind not in 'uf' or (dtype.kind == 'u' and dtype.itemsize > 2):
        raise ImageDecodeError(path, f'unsupported pixel type {dtype} (uint8, uint16 or float)')


def open_source(path: str):
    """Open a ``.npy`` or TIFF file for tiled reading, memory-mapped when possible.

    ``.npy`` files are always mapped (Fortran-ordered ones are mapped but
    not released band by band); TIFF files are mapped when uncompressed and
    contiguous, otherwise (compressed, tiled) decoded whole into memory, as
    integers.

    Raises:
        FileNotFoundError: no such file.
        ImageDecodeError: not an image array this reader can use.
        ImportError: a TIFF file and no ``tifffile``.
    """
    path = str(path)
    if not osp.isfile(path):
        raise FileNotFoundError(2, f'No such file: {path!r}', path)
    if path.lower().endswith(TIFF_EXTS):
        tifffile = import_tifffile()
        try:
            mapped = tifffile.memmap(path, mode='r')
        except ValueError:  # compressed or not contiguous: cannot be mapped
            try:
                array = tifffile.imread(path)
            except Exception as err:  # tifffile raises many types for broken files
                raise ImageDecodeError(path, f'tifffile could not read it ({err})') from err
            _check_dtype(array.dtype, path)
            return InMemoryImage(array.reshape(_as_hwc(array.shape, path)))
        except Exception as err:
            raise ImageDecodeError(path, f'tifffile could not read it ({err})') from err
    else:
        try:
            mapped = np.load(path, mmap_mode='r', allow_pickle=False)
        except (ValueError, OSError, EOFError) as err:
            raise ImageDecodeError(path, f'invalid .npy data ({err})') from err
    shape, dtype = _as_hwc(mapped.shape, path), mapped.dtype
    _check_dtype(dtype, path)
    if not mapped.flags.c_contiguous:
        return InMemoryImage(mapped.reshape(shape))  # still mapped; pages stay resident
    offset = mapped.offset
    del mapped  # our own mapping below can release pages
    return MappedImage(path, offset, shape, dtype)


def create_sink(path: str) -> Callable[[Tuple[int, int, int], np.dtype], MappedImage]:
    """A factory that creates ``path`` (``.npy`` or BigTIFF) for an image of a given shape.

    The file is made at full size before any tile is written (sparse where
    the file system allows); tiled inference writes tiles into its mapping.
    TIFF output is always BigTIFF, uncompressed, contiguous, RGB (or
    grayscale for one channel), so its size is never limited to 4 GiB.
    """
    path = str(path)
    if path.lower().endswith(TIFF_EXTS):
        import_tifffile()  # fail before any work is done

    def make(shape: Tuple[int, int, int], dtype: np.dtype) -> MappedImage:
        os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
        if path.lower().endswith(TIFF_EXTS):
            tifffile = import_tifffile()
            stored = shape if shape[2] > 1 else shape[:2]
            created = tifffile.memmap(path, shape=stored, dtype=dtype, bigtiff=True,
                                      photometric='rgb' if shape[2] >= 3 else 'minisblack')
        else:
            created = np.lib.format.open_memmap(path, mode='w+', dtype=dtype, shape=shape)
        offset = created.offset
        del created
        return MappedImage(path, offset, shape, dtype, writable=True)

    return make


def open_result(path: str) -> np.ndarray:
    """The image a sink wrote, mapped read-only (``H x W x C``)."""
    if str(path).lower().endswith(TIFF_EXTS):
        array = import_tifffile().memmap(str(path), mode='r')
    else:
        array = np.load(str(path), mmap_mode='r')
    return array.reshape(_as_hwc(array.shape, str(path)))


def release_all(*buffers: Optional[object]) -> None:
    """Close every buffer that is open (for ``finally`` blocks)."""
    for buffer in buffers:
        if buffer is not None:
            buffer.close()
