"""Level triples and difficulty buckets of the hybrid-distortion protocol.

RL-Restore (Yu et al., CVPR 2018), used by FDR-Net (Li et al., ECCV 2020,
Sec. 4.1) on DIV2K: Gaussian blur (21 x 21 kernel, replicate borders) ->
Gaussian noise (clipped) -> JPEG, each with ten levels whose values are
drawn uniformly inside a bin of a table (:mod:`irtoolbox.degradations.base`):

    blur sigma    0:0.5:5
    noise sigma   0:5:50
    JPEG quality  100, 80, 60, 50, 40, 35, 30, 25, 20, 15, 10

A level triple ``(b, n, q)`` in ``{1..10}^3`` has difficulty ``s = b + n + q
- 2`` and falls in a bucket: mild ``9..11``, moderate ``12..17`` (the
training set), severe ``18..20``; triples outside every bucket are not used.
Bucket sizes follow from counting: 163 mild, 434 moderate, 163 severe triples.

FDR-Net's text states blur sigma in [0, 10] while the protocol's table ends at
5: the table is the default; ``blur_sigma_range=(0, 10)`` in
:func:`hybrid_chain` sets the range used when no level is given.
"""
from itertools import product
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

BLUR_SIGMA_LEVELS = tuple(0.5 * i for i in range(11))
NOISE_SIGMA_LEVELS = tuple(float(5 * i) for i in range(11))
JPEG_QUALITY_LEVELS = (100, 80, 60, 50, 40, 35, 30, 25, 20, 15, 10)
NUM_LEVELS = 10
#: bucket name -> inclusive (min, max) of s = b + n + q - 2
BUCKETS: Dict[str, Tuple[int, int]] = {'mild': (9, 11), 'moderate': (12, 17),
                                       'severe': (18, 20)}
#: names of the operators in the order of a triple (keys of ``degradation_levels``)
OPERATOR_KEYS = ('blur', 'noise', 'jpeg')

Triple = Tuple[int, int, int]


def difficulty(triple: Sequence[int]) -> int:
    """``s = b + n + q - 2`` of a level triple."""
    return int(sum(triple)) - 2


def iter_level_triples(bucket: str, num_levels: int = NUM_LEVELS) -> Iterator[Triple]:
    """Every triple of ``bucket`` exactly once, in lexicographic order."""
    low, high = bucket_range(bucket)
    for triple in product(range(1, num_levels + 1), repeat=3):
        if low <= difficulty(triple) <= high:
            yield triple


def level_triples(bucket: str, num_levels: int = NUM_LEVELS) -> List[Triple]:
    """The list of :func:`iter_level_triples` (163 / 434 / 163 for the three buckets)."""
    return list(iter_level_triples(bucket, num_levels))


def bucket_range(bucket: str) -> Tuple[int, int]:
    """The difficulty range of a named bucket, or one clear error."""
    if bucket not in BUCKETS:
        raise KeyError(f'unknown hybrid-distortion bucket {bucket!r}; known: {sorted(BUCKETS)}')
    return BUCKETS[bucket]


def bucket_of(triple: Sequence[int]) -> Optional[str]:
    """The bucket a triple belongs to, None outside every bucket."""
    s = difficulty(triple)
    return next((name for name, (lo, hi) in BUCKETS.items() if lo <= s <= hi), None)


def hybrid_chain(blur_sigma_range: Tuple[float, float] = (0.0, 5.0),
                 noise_sigma_range: Tuple[float, float] = (0.0, 50.0),
                 quality_range: Tuple[int, int] = (10, 100), kernel_size: int = 21,
                 channel_order: str = 'rgb') -> List[dict]:
    """Degradation configs of the protocol's chain, blur -> noise -> JPEG.

    The level tables are the protocol's; the ranges are used only for draws
    without a level (FDR-Net's text: blur sigma in [0, 10]).
    """
    return [
        dict(type='GaussianBlur', kernel_size=kernel_size, sigma_range=blur_sigma_range,
             levels=BLUR_SIGMA_LEVELS),
        dict(type='GaussianNoise', sigma_range=noise_sigma_range, levels=NOISE_SIGMA_LEVELS,
             clip=True),
        dict(type='JPEGCompression', quality_range=quality_range, levels=JPEG_QUALITY_LEVELS,
             channel_order=channel_order),
    ]
