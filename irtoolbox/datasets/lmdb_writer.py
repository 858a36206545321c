"""Build an LMDB image database from a folder, BasicSR/mmagic compatible.

Layout of ``OUTPUT.lmdb`` (a directory, as BasicSR and mmagic write it):

- ``data.mdb`` / ``lock.mdb``: the LMDB environment. Each image is one entry:
  the key is its file name without the *last* extension (``0001.x2.png`` ->
  ``0001.x2``; with ``recursive=True`` the path relative to the input folder,
  ``/``-separated: ``sub/0001.png`` -> ``sub/0001``), encoded as UTF-8.
- ``meta_info.txt``: one line per image, sorted by key,
  ``{key}.png ({h},{w},{c}) {compress_level}`` (``c`` is 1 for grayscale).

Values are either

- PNG bytes (default): the image read with ``cv2.IMREAD_UNCHANGED`` and
  re-encoded with ``cv2.imencode('.png', img, [IMWRITE_PNG_COMPRESSION,
  compress_level])``, as BasicSR's ``make_lmdb_from_imgs`` does (lossless, so
  8- and 16-bit sources keep their exact pixels; JPEG sources are decoded once
  and stored losslessly); or
- with ``raw=True``, the decoded array saved with ``np.save`` (NPY bytes,
  starting with ``b'\\x93NUMPY'``), exactly as ``cv2.imread(path,
  cv2.IMREAD_UNCHANGED)`` returns it: **BGR(A) order**, ``H x W x C``
  (``H x W`` for grayscale), ``uint8`` or ``uint16``. Reading it skips PNG
  decoding (faster, larger). Its meta_info lines name ``{key}.npy`` and a
  compress level of ``0`` (NPY is uncompressed), so a reader can tell the
  storage from ``meta_info.txt`` alone.

A build never leaves a half-written database under the final name: it writes
into ``OUTPUT.lmdb.tmp-<pid>`` and moves that to ``OUTPUT.lmdb`` with
:func:`os.replace` only once every image is committed and ``meta_info.txt`` is
written. On an error or Ctrl-C the temporary folder is deleted; after a hard
kill (SIGKILL, power loss) it stays behind and the next build of the same
output deletes it (when the process that owned it is gone). An existing output
is only replaced with ``overwrite=True``, and then also only at the very end.

The map size (the most the database may grow to) is by default estimated from
the data: images are encoded in batches of ``commit_interval`` and, before a
batch is written, the map is grown to ``1.5 * (bytes encoded so far) + margin``
(the margin covers LMDB's per-entry page overhead), so a build never fails
with ``MapFullError`` and the file is not sized on a blind guess (BasicSR
multiplies one image's size by 10). A fixed ``map_size`` (bytes, or a string
such as ``'20G'``) is used as given; too small fails with a message saying so.
"""
import io
import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, List, Optional, Sequence, Tuple, Union

import cv2
import lmdb
import numpy as np

from irtoolbox.utils.image_conventions import IMAGE_EXTENSIONS

from .lmdb_backend import META_INFO_NAME, close_environment

TMP_INFIX = '.tmp-'
PAGE_SIZE = 4096
# Per-entry overhead: a value larger than a page lives in its own overflow
# pages (rounded up to whole pages) plus a branch/leaf node entry.
ENTRY_OVERHEAD = 2 * PAGE_SIZE
BASE_MARGIN = 16 * 1024 * 1024
SIZE_SUFFIXES = {'': 1, 'K': 1024, 'M': 1024**2, 'G': 1024**3, 'T': 1024**4}

PathLike = Union[str, os.PathLike]


@dataclass(frozen=True)
class EncodedImage:
    """One image ready to be stored: its key, value bytes and shape."""

    key: str
    value: bytes
    shape: Tuple[int, int, int]


def parse_map_size(map_size: Union[int, str, None]) -> Optional[int]:
    """``'auto'``/``None`` -> ``None`` (estimate); ``'20G'``, ``'512M'``, ``1e9`` -> bytes."""
    if map_size is None or (isinstance(map_size, str) and map_size.lower() == 'auto'):
        return None
    if isinstance(map_size, (int, float)) and not isinstance(map_size, bool):
        size = int(map_size)
    else:
        text = str(map_size).strip().upper().removesuffix('B').removesuffix('I')
        suffix = text[-1] if text and text[-1] in SIZE_SUFFIXES else ''
        try:
            size = int(float(text[:len(text) - len(suffix)]) * SIZE_SUFFIXES[suffix])
        except ValueError:
            raise ValueError(f"map_size must be 'auto', a number of bytes or a size like "
                             f"'20G', got {map_size!r}") from None
    if size <= 0:
        raise ValueError(f'map_size must be positive, got {map_size!r}')
    return size


def image_key(relative_path: str) -> str:
    """LMDB key of an image: its relative path without the last extension."""
    return os.path.splitext(relative_path.replace(os.sep, '/'))[0]


def list_images(folder: PathLike, recursive: bool = False) -> List[Tuple[str, Path]]:
    """Sorted ``(key, path)`` of the image files in ``folder``.

    Raises:
        FileNotFoundError: ``folder`` is not a directory.
        ValueError: no images, or two files that map to the same key
            (``a.png`` and ``a.jpg``).
    """
    root = Path(folder)
    if not root.is_dir():
        raise FileNotFoundError(2, 'Input image folder not found', str(root))
    candidates = root.rglob('*') if recursive else root.iterdir()
    found = {}
    for path in candidates:
        if path.suffix.lower() not in IMAGE_EXTENSIONS or not path.is_file():
            continue
        key = image_key(str(path.relative_to(root)))
        if key in found:
            raise ValueError(f'Two images map to the LMDB key {key!r}: '
                             f'{str(found[key])!r} and {str(path)!r}; rename one of them')
        found[key] = path
    if not found:
        raise ValueError(f'No image files ({", ".join(IMAGE_EXTENSIONS)}) in {str(root)!r}'
                         + ('' if recursive else ' (use recursive=True for sub-folders)'))
    return sorted(found.items())


def read_image(path: Path) -> np.ndarray:
    """The image as ``cv2.imread(path, IMREAD_UNCHANGED)`` gives it; one error naming it."""
    # imdecode on the bytes (not imread) so non-ASCII paths work everywhere.
    try:
        data = np.fromfile(str(path), dtype=np.uint8)
    except OSError as err:
        raise ValueError(f'Cannot read image file {str(path)!r}: {err}') from err
    img = cv2.imdecode(data, cv2.IMREAD_UNCHANGED) if data.size else None
    if img is None:
        raise ValueError(f'Cannot decode image file {str(path)!r} (not an image, an '
                         'unsupported format, or a truncated file)')
    return img


def image_shape(img: np.ndarray) -> Tuple[int, int, int]:
    """``(h, w, c)`` with ``c = 1`` for a 2-D (grayscale) array, as in meta_info."""
    return (img.shape[0], img.shape[1], 1 if img.ndim == 2 else img.shape[2])


def encode_image(key: str, path: Path, raw: bool, compress_level: int) -> EncodedImage:
    """Read one image file and encode it as a database value."""
    img = read_image(path)
    if raw:
        buffer = io.BytesIO()
        np.save(buffer, np.ascontiguousarray(img), allow_pickle=False)
        value = buffer.getvalue()
    else:
        ok, png = cv2.imencode('.png', img, [cv2.IMWRITE_PNG_COMPRESSION, compress_level])
        if not ok:
            raise ValueError(f'Cannot encode image {str(path)!r} (shape {img.shape}, '
                             f'dtype {img.dtype}) as PNG')
        value = png.tobytes()
    return EncodedImage(key, value, image_shape(img))


def meta_info_line(item: EncodedImage, raw: bool, compress_level: int) -> str:
    """``name.png (h,w,c) level`` (``name.npy (h,w,c) 0`` for raw storage)."""
    h, w, c = item.shape
    if raw:
        return f'{item.key}.npy ({h},{w},{c}) 0\n'
    return f'{item.key}.png ({h},{w},{c}) {compress_level}\n'


def required_map_size(encoded_bytes: int, num_entries: int) -> int:
    """Map size for ``encoded_bytes`` of values in ``num_entries`` entries."""
    return int(encoded_bytes * 1.5) + num_entries * ENTRY_OVERHEAD + BASE_MARGIN


def tmp_path_for(output: Path, pid: Optional[int] = None) -> Path:
    """``OUTPUT.lmdb.tmp-<pid>``: where a build writes before the final rename."""
    return output.with_name(f'{output.name}{TMP_INFIX}{os.getpid() if pid is None else pid}')


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def remove_stale_tmp(output: Path) -> List[Path]:
    """Delete ``OUTPUT.lmdb.tmp-<pid>`` folders whose build process is gone."""
    removed = []
    for path in output.parent.glob(f'{output.name}{TMP_INFIX}*'):
        pid = path.name[len(output.name) + len(TMP_INFIX):]
        if pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def _batches(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _encoded_batches(images: Sequence[Tuple[str, Path]], raw: bool, compress_level: int,
                     workers: int, batch_size: int) -> Iterator[List[EncodedImage]]:
    """Encode the images batch by batch, in order, with ``workers`` threads.

    Threads suffice: cv2's decode/encode release the GIL, and threads need no
    pickling and die with the process on Ctrl-C.
    """
    if workers <= 1:
        for batch in _batches(images, batch_size):
            yield [encode_image(key, path, raw, compress_level) for key, path in batch]
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for batch in _batches(images, batch_size):
            yield list(pool.map(lambda kp: encode_image(kp[0], kp[1], raw, compress_level),
                                batch))


def _write_batch(env: lmdb.Environment, batch: Iterable[EncodedImage], db_path: Path,
                 map_size: int) -> None:
    try:
        with env.begin(write=True) as txn:
            for item in batch:
                txn.put(item.key.encode('utf-8'), item.value)
    except lmdb.MapFullError:
        raise ValueError(f'LMDB {str(db_path)!r} is full at map_size={map_size} bytes; '
                         "use a larger map size or map_size='auto'") from None
    except lmdb.BadValsizeError:
        raise ValueError(f'An LMDB key in {[i.key for i in batch]} is too long (LMDB keys '
                         'are at most 511 bytes); shorten the file name') from None


def _fill_database(tmp: Path, images: Sequence[Tuple[str, Path]], raw: bool,
                   compress_level: int, fixed_map_size: Optional[int], workers: int,
                   commit_interval: int, progress: bool) -> List[str]:
    """Write all images into a new environment at ``tmp``; return meta_info lines."""
    from tqdm import tqdm

    output = tmp.with_name(tmp.name.split(TMP_INFIX)[0])  # named in messages, not tmp
    map_size = fixed_map_size or BASE_MARGIN
    env = lmdb.open(str(tmp), map_size=map_size, subdir=True, readonly=False, meminit=False)
    lines, written = [], 0
    try:
        with tqdm(total=len(images), desc=f'make_lmdb {output.name}', unit='img',
                  disable=not progress) as bar:
            for batch in _encoded_batches(images, raw, compress_level, workers,
                                          commit_interval):
                written += sum(len(item.value) for item in batch)
                needed = required_map_size(written, len(lines) + len(batch))
                if fixed_map_size is None and needed > map_size:
                    map_size = needed
                    env.set_mapsize(map_size)  # allowed: no transaction is open here
                _write_batch(env, batch, output, map_size)
                lines.extend(meta_info_line(item, raw, compress_level) for item in batch)
                bar.update(len(batch))
        env.sync(True)
    finally:
        env.close()
    return lines


def _exists_error(output: Path) -> FileExistsError:
    return FileExistsError(17, 'The LMDB output exists; pass overwrite=True (--overwrite) '
                           'to replace it', str(output))


def _move_into_place(tmp: Path, output: Path, overwrite: bool) -> None:
    """Rename the finished ``tmp`` to ``output`` (replacing it only if asked)."""
    if not output.exists():
        os.replace(tmp, output)
        return
    if not overwrite:
        raise _exists_error(output)
    # os.replace cannot replace a non-empty directory: move the old one aside
    # first and put it back if the second rename fails.
    old = output.with_name(f'{output.name}.old-{os.getpid()}')
    os.replace(output, old)
    try:
        os.replace(tmp, output)
    except BaseException:
        os.replace(old, output)
        raise
    if old.is_dir():
        shutil.rmtree(old)
    else:
        old.unlink()


def _check_output(output: Path, overwrite: bool) -> None:
    if output.suffix != '.lmdb':
        raise ValueError(f"The LMDB output path must end with '.lmdb', got {str(output)!r}")
    if output.exists() and not overwrite:
        raise _exists_error(output)


def make_lmdb(input_folder: PathLike, output_path: PathLike, raw: bool = False,
              compress_level: int = 1, map_size: Union[int, str, None] = 'auto',
              workers: int = 4, recursive: bool = False, overwrite: bool = False,
              commit_interval: int = 100, progress: bool = True) -> Path:
    """Build ``output_path`` (``*.lmdb``) from the images in ``input_folder``.

    Args:
        input_folder: folder of images (``.png``, ``.jpg`` ... see
            ``IMAGE_EXTENSIONS``); only its top level unless ``recursive``.
        output_path: the database folder to create; must end with ``.lmdb``.
        raw: store decoded ``np.save`` arrays (BGR) instead of PNG bytes.
        compress_level: PNG compression 0-9 (BasicSR uses 1: fast, a bit larger).
        map_size: ``'auto'`` (estimated from the data) or a size in bytes /
            a string like ``'20G'``.
        workers: threads that read and encode images.
        recursive: include sub-folders (keys are then relative paths).
        overwrite: replace an existing ``output_path`` (at the end of the build).
        commit_interval: images per write transaction.
        progress: show a tqdm progress bar.

    Returns:
        The path of the finished database.
    """
    if not 0 <= compress_level <= 9:
        raise ValueError(f'compress_level must be in 0..9, got {compress_level}')
    if commit_interval < 1 or workers < 1:
        raise ValueError(f'commit_interval and workers must be >= 1, got '
                         f'{commit_interval} and {workers}')
    fixed_map_size = parse_map_size(map_size)
    output = Path(output_path).absolute()
    _check_output(output, overwrite)
    images = list_images(input_folder, recursive)
    output.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_tmp(output)
    tmp = tmp_path_for(output)
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        lines = _fill_database(tmp, images, raw, compress_level, fixed_map_size, workers,
                               commit_interval, progress)
        with open(tmp / META_INFO_NAME, 'w', encoding='utf-8') as meta:
            meta.writelines(lines)
            meta.flush()
            os.fsync(meta.fileno())  # complete on disk before the rename publishes it
        _move_into_place(tmp, output, overwrite)
        close_environment(output)  # readers in this process reopen the new files
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # gone already after a successful move
    return output
