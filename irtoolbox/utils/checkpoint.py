"""Safe checkpoint loading and crash-safe checkpoint saving.

Loading
-------
Since torch 2.6 ``torch.load`` defaults to ``weights_only=True``, which
refuses mmengine's own checkpoints (``HistoryBuffer``, numpy arrays in the
message hub ...). The usual fix, ``weights_only=False``, lets a checkpoint run
arbitrary code while it is unpickled. Here every load keeps
``weights_only=True`` and adds an explicit allowlist of exactly the types an
mmengine/irtoolbox checkpoint holds (:data:`SAFE_GLOBALS`). ``builtins.getattr``
(pickled for the bound statistics methods of ``HistoryBuffer``) is replaced by
:func:`_restricted_getattr`, which only resolves those methods.

A file that names any other global is refused with :class:`UnsafeCheckpointError`
naming the types; ``unsafe=True`` (``--unsafe-load`` in the tools) falls back to
full unpickling, with a loud warning.

:func:`install_safe_checkpointing` routes mmengine's load paths through
:func:`load_checkpoint_file` with mmengine's extension point
``CheckpointLoader.register_scheme``: the local-path scheme ('') serves
``Runner.resume``, ``Runner.load_checkpoint`` (``load_from``, tools
test/infer), ``mmengine.runner.load_checkpoint`` and ``init_cfg`` pretrained
weights; the http(s) scheme downloads into the torch hub cache and loads the
file the same way (torch.hub would load it with ``weights_only=False``), and
so do ``torchvision://``, ``open-mmlab://`` and ``mmcls://`` names. Nothing
is installed by importing irtoolbox: the tools, ``irtoolbox.apis`` and
``SafeCheckpointHook`` (for the duration of a run) install it explicitly, and
:func:`uninstall_safe_checkpointing` gives mmengine its loaders back.

Saving
------
mmengine writes a checkpoint with ``open(path, 'wb').write(...)`` (its
``LocalBackend.put``): a crash in the middle leaves a truncated file under the
final name. :class:`AtomicLocalBackend`, registered with mmengine's file
backends under a name of its own (:data:`ATOMIC_BACKEND`, by
:func:`register_atomic_backend`), writes to a temporary file in the same
folder, flushes and fsyncs it, renames it over the final name (``os.replace``
is atomic on POSIX) and fsyncs the folder, so the final name is always either
the old or the new complete file. ``irtoolbox.engine.hooks.SafeCheckpointHook``
saves through it and writes the ``last_checkpoint`` pointer with
:func:`atomic_write_text`.
"""
import contextlib
import io
import os
import os.path as osp
import tempfile
import warnings
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Set, Union
from urllib.parse import urlparse

import numpy as np
import torch
from mmengine.fileio import LocalBackend
from mmengine.logging import HistoryBuffer, print_log

MapLocation = Union[str, torch.device, Callable, Dict[str, str], None]

UNSAFE_OPT_IN = "'--unsafe-load' (tools) or unsafe=True (irtoolbox.utils.load_checkpoint_file)"

# HistoryBuffer pickles its per-instance statistics methods as
# getattr(HistoryBuffer, name); nothing else in our checkpoints uses getattr.
_GETATTR_ALLOWED = {HistoryBuffer: ('min', 'max', 'mean', 'current')}


class UnsafeCheckpointError(RuntimeError):
    """A checkpoint names globals outside the safe allowlist."""


def _restricted_getattr(obj: Any, name: str, *default: Any) -> Any:
    """``getattr`` limited to the ``HistoryBuffer`` statistics methods."""
    if name in _GETATTR_ALLOWED.get(obj, ()):
        return getattr(obj, name)
    raise UnsafeCheckpointError(
        f'getattr({getattr(obj, "__name__", type(obj).__name__)}, {name!r}) is not allowed '
        'while unpickling a checkpoint')


def _numpy_globals() -> List[tuple]:
    """numpy pieces of pickled arrays/scalars, under both numpy 1.x and 2.x names."""
    multiarray = np._core.multiarray if hasattr(np, '_core') else np.core.multiarray
    entries = []
    for module in ('numpy.core.multiarray', 'numpy._core.multiarray'):
        entries.append((multiarray._reconstruct, f'{module}._reconstruct'))
        entries.append((multiarray.scalar, f'{module}.scalar'))
    entries += [(np.ndarray, 'numpy.ndarray'), (np.dtype, 'numpy.dtype')]
    # BUILD on a dtype needs its concrete class (numpy >= 1.25: np.dtypes.*DType).
    dtype_classes = {type(np.dtype(c)) for c in np.typecodes['All'] if c not in 'OV'}
    dtype_classes.add(type(np.dtype('V8')))  # structured/void pieces of record arrays
    entries += [(cls, f'{cls.__module__}.{cls.__qualname__}') for cls in dtype_classes]
    return entries


def _build_safe_globals() -> List[tuple]:
    entries = [(HistoryBuffer, 'mmengine.logging.history_buffer.HistoryBuffer'),
               (_restricted_getattr, 'builtins.getattr')]
    return entries + _numpy_globals()


#: (object, pickled full name) pairs added to torch's weights-only allowlist.
SAFE_GLOBALS: List[tuple] = _build_safe_globals()
SAFE_GLOBAL_NAMES: Set[str] = {name for _, name in SAFE_GLOBALS}


def _unsafe_globals(path: str) -> List[str]:
    """Globals in ``path`` that neither torch nor our allowlist accept (no unpickling)."""
    try:
        names = torch.serialization.get_unsafe_globals_in_checkpoint(path)
    except Exception:  # not a zip checkpoint: the caller reports the original error
        return []
    return sorted(n for n in names if n not in SAFE_GLOBAL_NAMES)


def _refusal(path: str, error: Exception) -> UnsafeCheckpointError:
    names = _unsafe_globals(path)
    what = (f'it contains types outside the safe allowlist: {", ".join(names)}' if names
            else f'{error}'.splitlines()[0])
    return UnsafeCheckpointError(
        f'Refusing to load checkpoint {path}: {what}. Loading it would run code from the '
        f'file; if you trust it, pass {UNSAFE_OPT_IN}.')


def _warn_unsafe(path: str) -> None:
    message = (f'UNSAFE checkpoint loading of {path}: weights_only=False lets this file run '
               'arbitrary code. Only do this for files you trust.')
    warnings.warn(message, stacklevel=3)
    print_log(message, logger='current', level=40)  # logging.ERROR: loud on purpose


class CheckpointReadError(RuntimeError):
    """A checkpoint file that torch cannot read (truncated, corrupt, not a checkpoint)."""


class CheckpointMismatchError(RuntimeError):
    """A checkpoint whose weights do not fit the model it is loaded into."""


def load_checkpoint_file(path: str, map_location: MapLocation = 'cpu',
                         unsafe: bool = False) -> Any:
    """Load a local checkpoint with ``weights_only=True`` and our allowlist.

    Raises:
        FileNotFoundError: ``path`` is not a file.
        UnsafeCheckpointError: the file names globals outside the allowlist.
        CheckpointReadError: torch cannot read the file (truncated or corrupt);
            the message names the file and its size.
    """
    path = osp.expanduser(str(path))
    if not osp.isfile(path):
        raise FileNotFoundError(f'Checkpoint file {path} can not be found.')
    if unsafe:
        _warn_unsafe(path)
        return torch.load(path, map_location=map_location, weights_only=False)
    try:
        with torch.serialization.safe_globals(SAFE_GLOBALS):
            return torch.load(path, map_location=map_location, weights_only=True)
    except UnsafeCheckpointError as error:
        raise _refusal(path, error) from None
    except Exception as error:
        if 'weights_only' in str(error) or 'Unsupported global' in str(error):
            raise _refusal(path, error) from None
        # torch names neither the file nor the cause ('[Errno 22] Invalid argument',
        # 'failed finding central directory') for a truncated or corrupt file
        raise CheckpointReadError(
            f'cannot read checkpoint {path} ({osp.getsize(path)} bytes): '
            f'{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ""} '
            '(truncated or corrupt file?)') from error



def sub_state_dict(checkpoint: Any, prefixes: Sequence[str], source: str) -> dict:
    """One part's weights from a checkpoint: the entries of its ``state_dict`` (or of
    the checkpoint itself, a bare state dict) under the first of ``prefixes`` that
    occurs, with the prefix removed.

    The one rule when no prefix occurs: a KeyError naming ``source``, the
    prefixes tried and the first keys found. A caller that accepts a bare state
    dict of the part says so by ending ``prefixes`` with ``''`` (which every key
    has). A checkpoint that is not a dict is a ValueError naming ``source``.
    """
    state = checkpoint.get('state_dict', checkpoint) if isinstance(checkpoint, dict) else checkpoint
    if not isinstance(state, dict):
        raise ValueError(f'{source}: expected a checkpoint dict, got {type(state).__name__}')
    for prefix in prefixes:
        if any(key.startswith(prefix) for key in state):
            return {key[len(prefix):]: value for key, value in state.items()
                    if key.startswith(prefix)}
    raise KeyError(f'{source}: no weights under any of the prefixes {list(prefixes)}; '
                   f'first keys: {sorted(state)[:5]}')

# ----------------------------------------------------------------- installing
# Installing replaces the loaders of these CheckpointLoader prefixes (through
# mmengine's own register_scheme); the loaders they had are kept to restore.
_STATE: Dict[str, Any] = {'unsafe': False, 'replaced': None}


def _load_from_local_safe(filename: str, map_location: MapLocation = None) -> Any:
    return load_checkpoint_file(filename, map_location, unsafe=bool(_STATE['unsafe']))


def _download_to_hub_cache(url: str) -> str:
    folder = osp.join(torch.hub.get_dir(), 'checkpoints')
    os.makedirs(folder, exist_ok=True)
    cached = osp.join(folder, osp.basename(urlparse(url).path))
    if not osp.exists(cached):
        torch.hub.download_url_to_file(url, cached, progress=False)
    return cached


def _load_from_http_safe(filename: str, map_location: MapLocation = None,
                         model_dir: Optional[str] = None, progress: bool = False) -> Any:
    """Download (rank 0 first, as mmengine does) then load like a local file."""
    from mmengine.dist import barrier, get_dist_info
    rank, world_size = get_dist_info()
    if rank == 0:
        cached = _download_to_hub_cache(filename)
    if world_size > 1:
        barrier()
        if rank > 0:
            cached = _download_to_hub_cache(filename)
    return _load_from_local_safe(cached, map_location)


def _load_from_model_zoo_safe(filename: str, map_location: MapLocation = None) -> Any:
    """``torchvision://``, ``modelzoo://``, ``open-mmlab://``, ``openmmlab://`` and
    ``mmcls://`` names: resolved to a URL (or a file in the mmengine home) with
    mmengine's own tables, then loaded like any other file.

    mmengine's loaders for these schemes download through torch.hub, which
    unpickles with ``weights_only=False``.
    """
    from mmengine.runner import checkpoint as mm_ckpt
    prefix, name = filename.split('://', 1)
    if prefix in ('torchvision', 'modelzoo'):
        location = mm_ckpt.get_torchvision_models()[name]
    elif prefix == 'mmcls':
        location = mm_ckpt.get_mmcls_models()[name]
    else:
        name = mm_ckpt.get_deprecated_model_names().get(name, name)
        location = mm_ckpt.get_external_models()[name]
    if location.startswith(('http://', 'https://')):
        checkpoint = _load_from_http_safe(location, map_location)
    else:  # open-mmlab tables may name a file relative to the mmengine home
        checkpoint = _load_from_local_safe(
            osp.join(mm_ckpt._get_mmengine_home(), location), map_location)
    if prefix == 'mmcls':
        checkpoint = mm_ckpt._process_mmcls_checkpoint(checkpoint)
    return checkpoint


#: (prefixes, loader) pairs registered with mmengine's ``CheckpointLoader``.
_SAFE_SCHEMES = (
    ('', _load_from_local_safe),
    (('http://', 'https://'), _load_from_http_safe),
    (('torchvision://', 'modelzoo://', 'open-mmlab://', 'openmmlab://', 'mmcls://'),
     _load_from_model_zoo_safe),
)


def _scheme_prefixes() -> List[str]:
    return [p for prefixes, _ in _SAFE_SCHEMES
            for p in ([prefixes] if isinstance(prefixes, str) else prefixes)]


def safe_checkpointing_installed() -> bool:
    """Whether :func:`install_safe_checkpointing` is in effect."""
    return _STATE['replaced'] is not None


def install_safe_checkpointing(unsafe: bool = False) -> None:
    """Route mmengine's checkpoint loads through :func:`load_checkpoint_file`.

    Registers safe loaders with mmengine's extension point
    ``CheckpointLoader.register_scheme`` for local paths (``''``: used by
    ``Runner.resume``, ``Runner.load_checkpoint``, ``load_from``,
    ``mmengine.runner.load_checkpoint`` and ``init_cfg`` pretrained weights),
    ``http(s)://`` and the model-zoo schemes. Nothing else in mmengine or
    torch is touched: torch's allowlist is only extended for the duration of
    each load (``torch.serialization.safe_globals``).

    Explicit, never done by an import: the tools call it first with
    ``args.unsafe_load``, ``irtoolbox.apis.init_model`` and
    ``SafeCheckpointHook`` (for the duration of a run) through
    :func:`safe_checkpointing`. Idempotent; a later call may switch ``unsafe``.
    :func:`uninstall_safe_checkpointing` restores mmengine's loaders.

    Args:
        unsafe: fall back to full unpickling, with a loud warning (trusted
            files only). Default: False.
    """
    from mmengine.runner.checkpoint import CheckpointLoader
    _STATE['unsafe'] = bool(unsafe)
    if safe_checkpointing_installed():
        return
    current = CheckpointLoader._schemes  # read only: the loaders to restore later
    _STATE['replaced'] = {prefix: current.get(prefix) for prefix in _scheme_prefixes()}
    for prefixes, loader in _SAFE_SCHEMES:
        CheckpointLoader.register_scheme(prefixes=prefixes, loader=loader, force=True)


def uninstall_safe_checkpointing() -> None:
    """Give mmengine's ``CheckpointLoader`` back the loaders it had before
    :func:`install_safe_checkpointing` (no-op when not installed)."""
    from mmengine.runner.checkpoint import CheckpointLoader
    replaced = _STATE['replaced']
    if replaced is None:
        return
    for prefix, loader in replaced.items():
        if loader is not None:
            CheckpointLoader.register_scheme(prefixes=prefix, loader=loader, force=True)
        else:  # the prefix was unknown to mmengine before: forget it again
            CheckpointLoader._schemes.pop(prefix, None)
    _STATE['replaced'], _STATE['unsafe'] = None, False


@contextlib.contextmanager
def safe_checkpointing(unsafe: bool = False) -> Iterator[None]:
    """Safe loading inside the ``with`` block only.

    Installs (with ``unsafe``) unless already installed, and on exit
    uninstalls only what it installed, so an outer installation (a tool's)
    and its ``unsafe`` choice are kept.
    """
    installed_here = not safe_checkpointing_installed()
    if installed_here:
        install_safe_checkpointing(unsafe=unsafe)
    try:
        yield
    finally:
        if installed_here:
            uninstall_safe_checkpointing()


# -------------------------------------------------------------------- fitting
#: keys of each kind named in a mismatch message (the rest are counted)
MISMATCH_KEYS_SHOWN = 5
#: ``revise_keys`` of mmengine's loaders: checkpoints of DDP-wrapped models
DDP_PREFIX = 'module.'


def _shape(value: Any) -> Optional[tuple]:
    return tuple(value.shape) if hasattr(value, 'shape') else None


def state_dict_mismatch(model: torch.nn.Module, state: Dict[str, Any]) -> Dict[str, list]:
    """How ``state`` fails to fit ``model``: ``missing`` and ``unexpected`` keys and
    ``mis_shaped`` ``(key, checkpoint shape, model shape)`` triples (all empty: fits)."""
    own = model.state_dict()
    mis_shaped = [(key, _shape(state[key]), _shape(value)) for key, value in own.items()
                  if key in state and _shape(state[key]) != _shape(value)]
    return dict(missing=[key for key in own if key not in state],
                unexpected=[key for key in state if key not in own],
                mis_shaped=mis_shaped)


def _describe_mismatch(mismatch: Dict[str, list]) -> str:
    parts = []
    for kind, entries in mismatch.items():
        if not entries:
            continue
        shown = [f'{e[0]} (checkpoint {e[1]}, model {e[2]})' if kind == 'mis_shaped' else e
                 for e in entries[:MISMATCH_KEYS_SHOWN]]
        more = f' and {len(entries) - MISMATCH_KEYS_SHOWN} more' \
            if len(entries) > MISMATCH_KEYS_SHOWN else ''
        parts.append(f'{len(entries)} {kind.replace("_", "-")}: {", ".join(shown)}{more}')
    return '; '.join(parts)


def checkpoint_state_dict(checkpoint: Any, source: str) -> Dict[str, Any]:
    """The model weights of a loaded checkpoint (its ``state_dict``, or the checkpoint
    itself when it is a bare state dict), without the DDP ``module.`` prefix."""
    if not isinstance(checkpoint, dict):
        raise CheckpointMismatchError(f'checkpoint {source} holds a '
                                      f'{type(checkpoint).__name__}, expected a dict')
    state = checkpoint.get('state_dict', checkpoint)
    return {key[len(DDP_PREFIX):] if key.startswith(DDP_PREFIX) else key: value
            for key, value in state.items()}


def load_weights_checked(model: torch.nn.Module, checkpoint: Any, source: str,
                         strict: bool = True) -> Dict[str, list]:
    """Load a checkpoint's weights into ``model`` by the one rule of every tool.

    ``tools/test.py``, ``tools/infer.py``, ``--resume``, ``load_from`` (through
    ``irtoolbox.engine.runner.Runner``) and ``irtoolbox.apis.init_model`` all load
    with it. Strict (the default): a checkpoint with missing, unexpected or
    mis-shaped keys stops with one :class:`CheckpointMismatchError` naming the
    checkpoint, the model class and the first :data:`MISMATCH_KEYS_SHOWN` keys of
    each kind (shapes printed) before any weight changes. ``strict=False`` (the
    config key ``load_from_strict=False``) loads the entries that fit and logs a
    warning naming what it skipped.

    Returns:
        The mismatch (see :func:`state_dict_mismatch`); empty lists when all fit.
    """
    state = checkpoint_state_dict(checkpoint, source)
    mismatch = state_dict_mismatch(model, state)
    if any(mismatch.values()):
        what = f'checkpoint {source} does not fit {type(model).__name__}: ' \
               f'{_describe_mismatch(mismatch)}'
        if strict:
            raise CheckpointMismatchError(
                f'{what}. Is it a checkpoint of this config? To load only the keys that '
                'fit, pass --cfg-options load_from_strict=False')
        print_log(f'partial load (load_from_strict=False): {what}; these were skipped',
                  logger='current', level=30)  # logging.WARNING
        skipped = {key for key, _, _ in mismatch['mis_shaped']}
        state = {key: value for key, value in state.items() if key not in skipped}
    model.load_state_dict(state, strict=False)
    return mismatch


# --------------------------------------------------------------------- saving
def _fsync_dir(folder: str) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # e.g. platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_bytes(path: str, write: Callable[[io.BufferedWriter], None]) -> None:
    """Write ``path`` through ``write(file)`` so it is replaced all at once or not at all."""
    path = osp.abspath(path)
    folder = osp.dirname(path)
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f'.{osp.basename(path)}.', suffix='.tmp')
    try:
        with os.fdopen(fd, 'wb') as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise
    _fsync_dir(folder)


def atomic_write_text(path: str, text: str) -> None:
    """Atomically replace the text file ``path`` (the ``last_checkpoint`` pointer)."""
    atomic_write_bytes(path, lambda f: f.write(text.encode('utf-8')))


#: Name of :class:`AtomicLocalBackend` among mmengine's file backends.
ATOMIC_BACKEND = 'irtoolbox_atomic_local'


class AtomicLocalBackend(LocalBackend):
    """mmengine's ``LocalBackend`` whose writes replace a file all at once.

    mmengine's ``save_checkpoint`` serialises the checkpoint to bytes and
    hands them to the file backend's ``put``; ``LocalBackend.put`` writes
    them with ``open(path, 'wb')``, so a crash midway leaves a truncated file
    under the final name. Here ``put``/``put_text`` go through
    :func:`atomic_write_bytes`. ``SafeCheckpointHook`` saves local
    checkpoints through it (``backend_args=dict(backend=ATOMIC_BACKEND)``).
    """

    def put(self, obj: bytes, filepath: Union[str, 'os.PathLike']) -> None:
        atomic_write_bytes(str(filepath), lambda f: f.write(obj))

    def put_text(self, obj: str, filepath: Union[str, 'os.PathLike'],
                 encoding: str = 'utf-8') -> None:
        atomic_write_bytes(str(filepath), lambda f: f.write(obj.encode(encoding)))


def register_atomic_backend() -> None:
    """Add :class:`AtomicLocalBackend` to mmengine's file backends under
    :data:`ATOMIC_BACKEND` (a new name: no existing backend changes). Idempotent."""
    from mmengine.fileio import register_backend
    from mmengine.fileio.backends.registry_utils import backends
    if backends.get(ATOMIC_BACKEND) is not AtomicLocalBackend:
        register_backend(ATOMIC_BACKEND, AtomicLocalBackend, force=True)


def is_local_path(filename: str, backend_args: Optional[dict] = None) -> bool:
    """Whether mmengine would store ``filename`` on the local disk."""
    if '://' in filename or filename.startswith('pavi:'):
        return False
    from mmengine.fileio import get_file_backend
    return isinstance(get_file_backend(filename, backend_args=backend_args), LocalBackend)


def allowed_global_names() -> Sequence[str]:
    """Names (as pickled) that the safe loader accepts beyond torch's own."""
    return sorted(SAFE_GLOBAL_NAMES)
