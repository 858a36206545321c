"""Read the weight blobs of a Caffe ``.caffemodel`` without protobuf or Caffe.

A ``.caffemodel`` is one serialised ``NetParameter`` message of Caffe's
``caffe.proto``. This reads it from the protobuf wire format
(https://protobuf.dev/programming-guides/encoding/): every field is a varint
key ``(field number << 3) | wire type`` followed by a varint (type 0), 8 bytes
(type 1), a varint length and that many bytes (type 2) or 4 bytes (type 5).
Nothing in the file is executed: it is parsed as data, and only these
fields are read (all others are skipped by their wire type):

- ``NetParameter``: ``layer`` (100, ``LayerParameter``) and the legacy
  ``layers`` (2, ``V1LayerParameter``).
- ``LayerParameter``: ``name`` (1), ``type`` (2), ``blobs`` (7).
- ``V1LayerParameter``: ``name`` (4), ``blobs`` (6).
- ``BlobProto``: ``shape`` (7, ``BlobShape`` whose ``dim`` (1) is a packed
  int64), the legacy ``num``, ``channels``, ``height``, ``width`` (1-4),
  ``data`` (5, float32, packed or not), ``double_data`` (8, float64).

Caffe's default is little-endian IEEE floats, as the wire format requires.
"""
import os
from typing import Callable, Dict, Iterator, List, Optional, Tuple

import numpy as np

# wire types of the protobuf encoding
VARINT, FIXED64, LENGTH_DELIMITED, FIXED32 = 0, 1, 2, 5
# field numbers of caffe.proto
NET_LAYER, NET_V1_LAYERS = 100, 2
LAYER_NAME, LAYER_TYPE, LAYER_BLOBS = 1, 2, 7
V1_NAME, V1_BLOBS = 4, 6
BLOB_LEGACY_DIMS = (1, 2, 3, 4)  # num, channels, height, width
BLOB_DATA, BLOB_SHAPE, BLOB_DOUBLE_DATA = 5, 7, 8
SHAPE_DIM = 1


class CaffeModelError(ValueError):
    """A ``.caffemodel`` is truncated or not a valid ``NetParameter``."""


class _Reader:
    """Fields of one message occupying ``data[start:end]``; offsets are the file's."""

    def __init__(self, data: memoryview, start: int, end: int, fail: Callable[[int, str], None]
                 ) -> None:
        self.data, self.pos, self.end, self.fail = data, start, end, fail

    def varint(self) -> int:
        start, value, shift = self.pos, 0, 0
        while True:
            if self.pos >= self.end:
                self.fail(start, 'varint runs past the end of its message')
            byte = self.data[self.pos]
            self.pos += 1
            value |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return value
            shift += 7
            if shift >= 70:  # a varint has at most 10 bytes
                self.fail(start, 'varint longer than 10 bytes')

    def take(self, size: int, what: str) -> Tuple[int, int]:
        """``(start, end)`` of the next ``size`` bytes, checked against the message end."""
        start = self.pos
        if start + size > self.end:
            self.fail(start, f'{what} of {size} bytes runs past the end of its message '
                             f'({self.end - start} bytes left)')
        self.pos += size
        return start, start + size

    def fields(self) -> Iterator[Tuple[int, int, int, int]]:
        """``(field number, wire type, value or payload start, payload end)`` in file order.

        For a varint the third item is its value (the fourth is unused); for
        the other wire types it is the payload's byte range.
        """
        while self.pos < self.end:
            key_at = self.pos
            key = self.varint()
            field, wire = key >> 3, key & 7
            if field == 0:
                self.fail(key_at, 'field number 0')
            if wire == VARINT:
                yield field, wire, self.varint(), 0
            elif wire == FIXED64:
                yield (field, wire) + self.take(8, 'fixed64 field')
            elif wire == LENGTH_DELIMITED:
                size = self.varint()
                yield (field, wire) + self.take(size, f'field {field}')
            elif wire == FIXED32:
                yield (field, wire) + self.take(4, 'fixed32 field')
            else:  # 3/4 are the deprecated groups, which caffe.proto does not use; 6/7 do not exist
                self.fail(key_at, f'unsupported wire type {wire} (field {field})')


def _signed64(value: int) -> int:
    """A varint's two's-complement int64 (protobuf encodes negatives in 10 bytes)."""
    return value - (1 << 64) if value >= 1 << 63 else value


def _read_blob(data: memoryview, start: int, end: int, fail: Callable[[int, str], None],
               ) -> np.ndarray:
    """One ``BlobProto`` as a float32 (``data``) or float64 (``double_data``) array."""
    shape: Optional[List[int]] = None
    legacy = {}
    floats: List[np.ndarray] = []
    doubles: List[np.ndarray] = []
    for field, wire, a, b in _Reader(data, start, end, fail).fields():
        if field == BLOB_SHAPE and wire == LENGTH_DELIMITED:
            shape = shape or []
            for dim_field, dim_wire, x, y in _Reader(data, a, b, fail).fields():
                if dim_field != SHAPE_DIM:
                    continue
                if dim_wire == VARINT:  # an unpacked dim
                    shape.append(_signed64(x))
                elif dim_wire == LENGTH_DELIMITED:  # packed: varints back to back
                    packed = _Reader(data, x, y, fail)
                    while packed.pos < packed.end:
                        shape.append(_signed64(packed.varint()))
        elif field in BLOB_LEGACY_DIMS and wire == VARINT:
            legacy[field] = _signed64(a)
        elif field == BLOB_DATA and wire in (LENGTH_DELIMITED, FIXED32):
            if (b - a) % 4:
                fail(a, f'packed float data of {b - a} bytes is not a multiple of 4')
            # a non-packed float is one FIXED32 field per value: the same bytes, one at a time
            floats.append(np.frombuffer(data[a:b], dtype='<f4'))
        elif field == BLOB_DOUBLE_DATA and wire in (LENGTH_DELIMITED, FIXED64):
            if (b - a) % 8:
                fail(a, f'packed double data of {b - a} bytes is not a multiple of 8')
            doubles.append(np.frombuffer(data[a:b], dtype='<f8'))
    values = (np.concatenate(doubles) if doubles and not floats
              else np.concatenate(floats) if floats else np.zeros(0, np.float32))
    if shape is None:
        # legacy blobs are 4-D (num, channels, height, width); absent dims are Caffe's default 0,
        # except that a blob with none at all is taken as a flat vector
        shape = ([legacy.get(f, 0) for f in BLOB_LEGACY_DIMS] if legacy else [values.size])
    if any(d < 0 for d in shape) or int(np.prod(shape, dtype=np.int64)) != values.size:
        fail(start, f'blob shape {tuple(shape)} does not match its {values.size} values')
    return values.reshape(shape).copy()  # copy: free of the file buffer, writable


def read_caffemodel(path: str) -> Dict[str, List[np.ndarray]]:
    """The weight blobs of every layer of a ``.caffemodel``, in file order.

    Args:
        path: the ``.caffemodel`` (a serialised Caffe ``NetParameter``).

    Returns:
        ``{layer name: [blob arrays]}`` (for a convolution or inner product:
        ``[weight, bias]``, float32 in Caffe's shapes: ``out x in x kh x kw``
        and ``out x in``, or legacy 4-D ``1 x 1 x out x in``); layers without
        blobs (ReLU, pooling, data) are left out.

    Raises:
        FileNotFoundError: no such file.
        CaffeModelError: truncated or invalid, naming the file and byte offset;
            or one layer name holding blobs twice.
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(f'{path}: no such .caffemodel file')
    with open(path, 'rb') as f:
        data = memoryview(f.read())

    def fail(offset: int, why: str) -> None:
        raise CaffeModelError(f'{path} is not a valid .caffemodel (truncated or corrupt?): '
                              f'{why} at byte {offset} of {len(data)}')

    layers: Dict[str, List[np.ndarray]] = {}
    for field, wire, start, end in _Reader(data, 0, len(data), fail).fields():
        if wire != LENGTH_DELIMITED or field not in (NET_LAYER, NET_V1_LAYERS):
            continue
        name_field, blobs_field = ((LAYER_NAME, LAYER_BLOBS) if field == NET_LAYER
                                   else (V1_NAME, V1_BLOBS))
        name, blobs = None, []
        for sub, sub_wire, a, b in _Reader(data, start, end, fail).fields():
            if sub == name_field and sub_wire == LENGTH_DELIMITED:
                try:
                    name = bytes(data[a:b]).decode('utf-8')
                except UnicodeDecodeError:
                    fail(a, 'layer name is not UTF-8')
            elif sub == blobs_field and sub_wire == LENGTH_DELIMITED:
                blobs.append(_read_blob(data, a, b, fail))
        if not blobs:
            continue
        if name is None:
            fail(start, 'a layer with blobs has no name')
        if name in layers:
            fail(start, f'layer {name!r} holds blobs twice')
        layers[name] = blobs
    return layers
