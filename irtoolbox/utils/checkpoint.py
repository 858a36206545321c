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

:func:`install_safe_checkpoint_loading` routes every mmengine load path through
:func:`load_checkpoint_file`: ``CheckpointLoader``'s local-path scheme ('')
serves ``Runner.resume``, ``Runner.load_checkpoint`` (``load_from``, tools
test/infer), ``mmengine.runner.load_checkpoint`` and ``init_cfg`` pretrained
weights; the http(s) scheme (also used by ``torchvision://``, ``open-mmlab://``
and ``mmcls://``) downloads into the torch hub cache and loads the file the
same way (torch.hub would load it with ``weights_only=False``).

Saving
------
mmengine writes a checkpoint with ``open(path, 'wb').write(...)``: a crash in
the middle leaves a truncated file under the final name. :func:`atomic_save_checkpoint`
writes to a temporary file in the same folder, flushes and fsyncs it, renames
it over the final name (``os.replace`` is atomic on POSIX) and fsyncs the
folder, so the final name is always either the old or the new complete file.
:func:`atomic_write_text` does the same for the ``last_checkpoint`` pointer
(see ``irtoolbox.engine.hooks.SafeCheckpointHook``).
"""
import io
import os
import os.path as osp
import tempfile
import warnings
from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Union
from urllib.parse import urlparse

import numpy as np
import torch
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


def load_checkpoint_file(path: str, map_location: MapLocation = 'cpu',
                         unsafe: bool = False) -> Any:
    """Load a local checkpoint with ``weights_only=True`` and our allowlist.

    Raises:
        FileNotFoundError: ``path`` is not a file.
        UnsafeCheckpointError: the file names globals outside the allowlist.
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
        raise


# ----------------------------------------------------------------- installing
_STATE: Dict[str, Any] = {'unsafe': None, 'originals': {}}


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


def install_safe_checkpoint_loading(unsafe: bool = False) -> None:
    """Route all mmengine checkpoint loads through :func:`load_checkpoint_file`.

    Idempotent; a later call may switch ``unsafe`` (the tools call it with
    ``args.unsafe_load``). Also installs atomic saving
    (:func:`install_atomic_checkpoint_saving`).
    """
    from mmengine.runner import checkpoint as mm_ckpt
    _STATE['unsafe'] = bool(unsafe)
    mm_ckpt.CheckpointLoader.register_scheme(prefixes='', loader=_load_from_local_safe,
                                             force=True)
    mm_ckpt.CheckpointLoader.register_scheme(prefixes=('http://', 'https://'),
                                             loader=_load_from_http_safe, force=True)
    # torchvision://, open-mmlab:// and mmcls:// call the module-level function directly.
    _STATE['originals'].setdefault('load_from_http', mm_ckpt.load_from_http)
    mm_ckpt.load_from_http = _load_from_http_safe
    install_atomic_checkpoint_saving()


def ensure_safe_checkpoint_loading() -> None:
    """Install safe loading unless already installed (keeps an earlier ``unsafe`` choice)."""
    if _STATE['unsafe'] is None:
        install_safe_checkpoint_loading(unsafe=False)


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


def _is_local(filename: str, backend_args: Optional[dict]) -> bool:
    if '://' in filename or filename.startswith('pavi:'):
        return False
    from mmengine.fileio import LocalBackend, get_file_backend
    return isinstance(get_file_backend(filename, backend_args=backend_args), LocalBackend)


def atomic_save_checkpoint(checkpoint: dict, filename: str,
                           file_client_args: Optional[dict] = None,
                           backend_args: Optional[dict] = None) -> None:
    """Drop-in for ``mmengine.runner.checkpoint.save_checkpoint``; atomic for local files."""
    if file_client_args is not None or not _is_local(str(filename), backend_args):
        _STATE['originals']['save_checkpoint'](checkpoint, filename,
                                               file_client_args=file_client_args,
                                               backend_args=backend_args)
        return
    atomic_write_bytes(str(filename), lambda f: torch.save(checkpoint, f))


def install_atomic_checkpoint_saving() -> None:
    """Make every mmengine ``save_checkpoint`` reference atomic (idempotent)."""
    import mmengine.runner
    from mmengine.runner import checkpoint as mm_ckpt
    from mmengine.runner import runner as mm_runner
    _STATE['originals'].setdefault('save_checkpoint', mm_ckpt.save_checkpoint)
    # runner.py imported the function by name; the hook imports it from the package.
    for module in (mm_ckpt, mm_runner, mmengine.runner):
        module.save_checkpoint = atomic_save_checkpoint


def allowed_global_names() -> Sequence[str]:
    """Names (as pickled) that the safe loader accepts beyond torch's own."""
    return sorted(SAFE_GLOBAL_NAMES)
