"""Reading and decoding images into the pipeline convention.

Every image that enters the data pipeline leaves this module as a numpy array
``H x W x C``, ``float32`` in ``[0, 1]``, in an explicit channel order
(``'rgb'`` by default). Bytes are read through :func:`mmengine.fileio.get`, so
any mmengine file backend works (local disk, HTTP, petrel, and an LMDB backend
registered with mmengine), and decoded with ``cv2.imdecode``.

Conversions (see :func:`decode_image`):

- ``uint8`` is divided by 255, ``uint16`` (16-bit PNG/TIFF) by 65535; float
  sources are kept as they are.
- A grayscale source becomes 3 equal channels for ``color_type='color'``; a
  colour source becomes 1 channel (ITU-R BT.601 luma, as ``cv2.cvtColor``) for
  ``color_type='grayscale'``.
- An alpha channel is dropped for ``'color'`` and ``'grayscale'``: the colour
  channels are used as stored, not composited over a background (restoration
  datasets do not carry meaningful alpha; compositing would invent pixel
  values). ``color_type='unchanged'`` keeps all channels.
- Raw arrays stored with ``np.save`` (the bytes start with the NPY magic
  ``b'\\x93NUMPY'``) are loaded with ``np.load``. Such arrays are stored in
  **BGR** order (``H x W x C`` ``uint8``/``uint16``, as ``cv2.imread`` returns
  them) and go through the same conversions as a decoded file.

Speed: channels are selected/swapped on the stored integers (``cv2.cvtColor``
for BGR -> RGB) and the float conversion is one fused ``np.divide`` into
``float32`` (about 0.3 ms for a 512 x 512 RGB image, against 6 ms for
``astype`` + ``/ 255`` + a numpy channel index + a contiguous copy).
``to_float32=False`` skips the conversion and keeps ``uint8``/``uint16``, for
pipelines that crop first: :func:`image_to_float32` converts the patch later
to the same values (``PackInputs`` and ``Degrade`` do so).

Errors name the file: a missing file raises :class:`FileNotFoundError`, bytes
that do not decode raise :class:`ImageDecodeError`.
"""
import io
import math
from typing import Optional

import cv2
import numpy as np
from mmengine import fileio

from irtoolbox.utils.image_conventions import INT_MAX_VALUES, check_channel_order

NPY_MAGIC = b'\x93NUMPY'
PNG_MAGIC = b'\x89PNG\r\n\x1a\n'
#: the IEND chunk's type and CRC (it has no data), the last 8 bytes of a whole PNG
PNG_END = b'IEND\xaeB`\x82'
COLOR_TYPES = ('color', 'grayscale', 'unchanged')


class ImageDecodeError(ValueError):
    """The bytes of an image file could not be turned into an image."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f'Cannot decode image {path!r}: {reason}')
        self.path = path
        self.reason = reason


class ImageSizeError(ValueError):
    """An image has a size the pipeline cannot use (too small, pair mismatch)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path


# Errors that mean "this sample's data is bad" (as opposed to a bug in the
# code): datasets with ``on_error='skip'`` skip these and only these.
DATA_ERRORS = (FileNotFoundError, ImageDecodeError, ImageSizeError)


def check_image_options(channel_order: str, color_type: str) -> None:
    """Raise a clear ``ValueError`` for an unknown channel order/colour type."""
    check_channel_order(channel_order)
    if color_type not in COLOR_TYPES:
        raise ValueError(f'color_type must be one of {COLOR_TYPES}, got {color_type!r}')


def read_bytes(path: str, backend_args: Optional[dict] = None) -> bytes:
    """Read a file's bytes through mmengine's file backends.

    Raises:
        FileNotFoundError: the file does not exist (the message names it).
    """
    try:
        content = fileio.get(path, backend_args=backend_args)
    except FileNotFoundError as err:
        raise FileNotFoundError(2, f'Image file not found: {path!r}', path) from err
    except KeyError as err:  # key-value backends (lmdb) report a missing key so
        raise FileNotFoundError(2, f'Image key not found: {path!r}', path) from err
    if content is None:  # mmengine's LmdbBackend returns None for a missing key
        raise FileNotFoundError(2, f'Image key not found: {path!r}', path)
    return content


_NPY_HEADER_READERS = {(1, 0): np.lib.format.read_array_header_1_0,
                       (2, 0): np.lib.format.read_array_header_2_0}


def _npy_view(content: bytes) -> np.ndarray:
    """NPY bytes -> a read-only array viewing ``content`` (no copy).

    ``np.load(io.BytesIO(content))`` copies the data out of the bytes in
    chunks into a fresh array, which costs more than everything else done
    with a raw image before the crop; the view costs only the header parse.
    Other NPY versions and object arrays go through ``np.load``
    (``allow_pickle=False``).
    """
    stream = io.BytesIO(content)
    version = np.lib.format.read_magic(stream)
    reader = _NPY_HEADER_READERS.get(version)
    if reader is None:
        return np.load(io.BytesIO(content), allow_pickle=False)
    shape, fortran_order, dtype = reader(stream)
    if dtype.hasobject:
        return np.load(io.BytesIO(content), allow_pickle=False)  # raises: no pickles
    count, offset = math.prod(shape), stream.tell()
    if len(content) - offset < count * dtype.itemsize:
        raise ValueError(f'{len(content) - offset} data bytes for shape {shape} of {dtype} '
                         '(truncated)')
    array = np.frombuffer(content, dtype=dtype, count=count, offset=offset)
    return array.reshape(shape, order='F' if fortran_order else 'C')


def _imdecode_quietly(buffer: np.ndarray) -> Optional[np.ndarray]:
    """``cv2.imdecode`` without OpenCV's own ``[ WARN:0@...]`` lines: a failure
    returns None, which the caller reports with the file's name."""
    level = cv2.utils.logging.getLogLevel()
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)
    try:
        return cv2.imdecode(buffer, cv2.IMREAD_UNCHANGED)
    finally:
        cv2.utils.logging.setLogLevel(level)


def _raw_decode(content: bytes, path: str) -> np.ndarray:
    """Bytes -> array as stored (BGR/BGRA/gray), without any conversion.

    An NPY array may be a read-only view of ``content``.
    """
    if len(content) == 0:
        raise ImageDecodeError(path, 'the file is empty')
    if content[:len(NPY_MAGIC)] == NPY_MAGIC:
        try:
            return _npy_view(content)
        except (ValueError, OSError, EOFError) as err:
            raise ImageDecodeError(path, f'invalid .npy data ({err})') from err
    if content[:len(PNG_MAGIC)] == PNG_MAGIC and content.rfind(PNG_END) < 0:
        # libpng would print 'PNG input buffer is incomplete' on stderr itself
        raise ImageDecodeError(path, f'a truncated PNG ({len(content)} bytes, no IEND chunk)')
    buffer = np.frombuffer(content, dtype=np.uint8)
    array = _imdecode_quietly(buffer)
    if array is None:
        raise ImageDecodeError(
            path, f'OpenCV could not decode {len(content)} bytes '
            '(not an image, an unsupported format, or a truncated file)')
    return array


FLOAT_TYPES = (np.dtype(np.float32), np.dtype(np.float64))


def image_to_float32(array: np.ndarray, path: str = '<array>') -> np.ndarray:
    """``uint8``/``uint16``/float array -> ``float32`` in ``[0, 1]`` (contiguous).

    Integers are divided by their full-scale value in one fused pass
    (``np.divide(..., dtype=float32)``: the same values as
    ``astype(float32) / 255`` without the intermediate copy); ``float32``
    input is returned as it is, ``float64`` cast.

    Raises:
        ImageDecodeError: another pixel type (the message names ``path``).
    """
    max_value = INT_MAX_VALUES.get(array.dtype)
    if max_value is not None:
        return np.divide(array, np.float32(max_value), dtype=np.float32, order='C')
    if array.dtype in FLOAT_TYPES:
        return np.ascontiguousarray(array, dtype=np.float32)
    raise ImageDecodeError(path, f'unsupported pixel type {array.dtype}')


def _swap_red_blue(bgr: np.ndarray) -> np.ndarray:
    """BGR -> RGB, BGRA -> RGBA (first and third channel swapped), contiguous.

    ``cv2.cvtColor`` does it in one pass (about 20 us for 512 x 512 uint8,
    against milliseconds for numpy fancy indexing); it handles uint8,
    uint16 and float32, other types take the numpy path.
    """
    if bgr.dtype in (np.uint8, np.uint16, np.float32):
        code = cv2.COLOR_BGR2RGB if bgr.shape[2] == 3 else cv2.COLOR_BGRA2RGBA
        return cv2.cvtColor(np.ascontiguousarray(bgr), code)
    return np.ascontiguousarray(bgr[..., [2, 1, 0] + list(range(3, bgr.shape[2]))])


def _convert_channels(bgr: np.ndarray, channel_order: str, color_type: str) -> np.ndarray:
    """BGR(A)/gray HxWxC array (any pixel type) -> the requested colour type and order.

    Only channels are selected, repeated or swapped, so the values (and the
    pixel type) are unchanged: it runs before the float conversion, on the
    smaller integer array. Grayscale conversion mixes channels: it is done
    on float values (see :func:`decode_image`) so the luma is not rounded.
    """
    channels = bgr.shape[2]
    if color_type == 'grayscale':
        if channels == 1:
            return bgr
        return cv2.cvtColor(np.ascontiguousarray(bgr[..., :3]), cv2.COLOR_BGR2GRAY)[..., None]
    if color_type == 'color':
        bgr = np.repeat(bgr, 3, axis=2) if channels == 1 else bgr[..., :3]
    if channel_order == 'rgb' and bgr.shape[2] >= 3:
        return _swap_red_blue(bgr)
    return bgr


def _check_shape(array: np.ndarray, path: str) -> np.ndarray:
    if array.ndim == 2:
        array = array[..., None]
    if array.ndim != 3 or array.shape[2] not in (1, 3, 4) or min(array.shape[:2]) == 0:
        raise ImageDecodeError(path, f'unsupported image shape {array.shape}')
    if array.dtype not in INT_MAX_VALUES and array.dtype not in FLOAT_TYPES:
        raise ImageDecodeError(path, f'unsupported pixel type {array.dtype}')
    return array


def decode_image(content: bytes, path: str, channel_order: str = 'rgb',
                 color_type: str = 'color', to_float32: bool = True) -> np.ndarray:
    """Decode image bytes to ``H x W x C`` ``float32`` in ``[0, 1]``.

    Args:
        content: the file's bytes (an encoded image or an ``.npy`` array).
        path: where the bytes came from; used in error messages only.
        channel_order: ``'rgb'`` or ``'bgr'``.
        color_type: ``'color'`` (3 channels), ``'grayscale'`` (1 channel) or
            ``'unchanged'`` (as stored: 1, 3 or 4 channels).
        to_float32: ``False`` keeps the stored pixel type (``uint8``/``uint16``;
            float arrays become ``float32``) so that a pipeline can crop first
            and convert only the patch (:func:`image_to_float32` gives the same
            values later). A colour source read as ``'grayscale'`` is always
            ``float32``: its luma is computed on float values, not rounded.

    Raises:
        ImageDecodeError: empty, undecodable or unsupported content.
    """
    check_image_options(channel_order, color_type)
    array = _check_shape(_raw_decode(content, path), path)
    # Channel selection/swap is exact on any type, so it runs on the stored
    # integers (a quarter of the bytes of float32); luma and float64 (which
    # cv2.cvtColor does not take) are converted first.
    mixes_channels = color_type == 'grayscale' and array.shape[2] > 1
    if mixes_channels or array.dtype == np.float64:
        array = image_to_float32(array, path)
    image = _convert_channels(array, channel_order, color_type)
    image = image_to_float32(image, path) if to_float32 else np.ascontiguousarray(image)
    # A raw array passed through unchanged still views the read-only bytes.
    return image if image.flags.writeable else image.copy()


def load_image(path: str, channel_order: str = 'rgb', color_type: str = 'color',
               backend_args: Optional[dict] = None, to_float32: bool = True) -> np.ndarray:
    """Read and decode one image (see :func:`decode_image`)."""
    check_image_options(channel_order, color_type)
    return decode_image(read_bytes(path, backend_args), path, channel_order, color_type,
                        to_float32)
