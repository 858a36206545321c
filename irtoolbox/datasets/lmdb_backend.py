"""A fork-safe, lazily opened LMDB file backend for ``mmengine.fileio``.

Registered as ``'lmdb_lazy'``, so any code that reads through mmengine
(``LoadImage``, ``PairedImageDataset``) reads an LMDB built by
``tools/data/make_lmdb.py`` with::

    backend_args = dict(backend='lmdb_lazy', db_path='data/DIV2K/train_HR.lmdb')
    mmengine.fileio.get('0001.png', backend_args=backend_args)  # -> PNG/NPY bytes
    # or without db_path: the path names the database (last '*.lmdb' folder)
    mmengine.fileio.get('data/DIV2K/train_HR.lmdb/0001', dict(backend='lmdb_lazy'))

With ``backend_args=dict(backend='lmdb_lazy')`` on ``PairedImageDataset``
(``data_prefix=dict(img='lq.lmdb', gt='gt.lmdb')``, names from each
database's ``meta_info.txt``) and on its ``LoadImageFromFile`` steps, samples
get paths like ``'data/lq.lmdb/0001'`` (:meth:`LazyLmdbBackend.join_path`),
and one backend instance reads both databases.

Why not mmengine's own ``backend='lmdb'`` (``LmdbBackend``, 0.10.7):

- ``mmengine.fileio.get`` caches one backend instance per URI prefix and
  ``json.dumps(backend_args)`` in a module-level dict (``backend_instances``),
  and ``LmdbBackend`` keeps the ``lmdb.Environment`` it opened on first read.
  A DataLoader that forks its workers after the main process read once hands
  every worker that same environment, which LMDB forbids (an environment must
  not be used across ``fork``). This backend remembers the pid that opened
  each environment and, in another process, closes the inherited handle and
  opens its own (closing first is required: py-lmdb >= 2 keeps a process-wide
  registry of open environments, inherited by the child, and refuses a second
  open with "already open in this process"). For the same reason environments
  are cached per process and database, shared by all instances, not held by
  an instance (which therefore pickles, for spawned workers).
- ``LmdbBackend`` returns ``None`` for a missing key and fails with a bare
  ``lmdb.Error`` for a missing database; here a missing key raises
  :class:`KeyError` naming the key and the database, a missing database
  :class:`FileNotFoundError` naming its path.
- ``LmdbBackend`` uses the given string verbatim as an ASCII key; here the
  ``filepath`` may be a key (``'0001.x2'``) or any path to the image
  (``'0001.x2.png'``, ``'data/lq.lmdb/0001.png'``, ``'whatever/0001.png'``);
  see :meth:`LazyLmdbBackend.split_path`. Keys are UTF-8.

The environment is opened ``readonly=True, lock=False, readahead=False,
meminit=False``: read-only sharing needs no lock file, and readahead only
wastes page cache on random access to images.
"""
import os
import re
import threading
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union

import lmdb
from mmengine.fileio import BaseStorageBackend, register_backend

META_INFO_NAME = 'meta_info.txt'
_META_LINE = re.compile(r'^(?P<name>.+) \((?P<shape>\d+(?:, ?\d+)*)\)(?: (?P<level>-?\d+))?$')


class LmdbKeyError(KeyError):
    """A key is not in an LMDB database."""

    def __str__(self) -> str:  # KeyError would print the message quoted
        return str(self.args[0])


def _database_files(db_path: str) -> Tuple[str, bool]:
    """``(data file, subdir)`` of a database, or a FileNotFoundError naming it."""
    if os.path.isfile(db_path):  # a database created with subdir=False
        return db_path, False
    data_file = os.path.join(db_path, 'data.mdb')
    if not os.path.isdir(db_path):
        raise FileNotFoundError(2, 'LMDB database not found', db_path)
    if not os.path.isfile(data_file):
        raise FileNotFoundError(2, 'Not an LMDB database (no data.mdb)', data_file)
    return data_file, True


# realpath of a database -> (pid that opened it, environment). One per process
# and database, shared by all backend instances: py-lmdb (>= 2) refuses to open
# the same files twice in one process ("already open in this process"), and
# mmengine builds one backend instance per distinct ``backend_args``.
_OPEN_ENVS: Dict[str, Tuple[int, lmdb.Environment]] = {}
_OPEN_LOCK = threading.Lock()


def _environment(db_path: str, open_kwargs: Dict[str, Any]) -> lmdb.Environment:
    """The calling process's environment of ``db_path``, opened on first use.

    The first opening in a process decides the ``lmdb.open`` arguments.
    """
    key, pid = os.path.realpath(db_path), os.getpid()
    with _OPEN_LOCK:
        entry = _OPEN_ENVS.get(key)
        if entry is not None and entry[0] == pid:
            return entry[1]
        if entry is not None:
            # Opened by the parent before a fork; the child inherited py-lmdb's
            # registry of open environments, so close the inherited handle
            # before opening our own. That only unmaps and closes this
            # process's copies: a lock=False environment has no reader table,
            # and LMDB clears only reader slots of the calling pid anyway.
            entry[1].close()
            del _OPEN_ENVS[key]
        _, subdir = _database_files(db_path)
        env = lmdb.open(db_path, subdir=subdir, **open_kwargs)
        _OPEN_ENVS[key] = (pid, env)
        return env


def close_environment(db_path: Union[str, Path]) -> None:
    """Close the calling process's cached environment of ``db_path``, if any."""
    with _OPEN_LOCK:
        entry = _OPEN_ENVS.pop(os.path.realpath(str(db_path)), None)
    if entry is not None:
        entry[1].close()


class LazyLmdbBackend(BaseStorageBackend):
    """Read values of LMDB databases; each is opened on first read in each process.

    Args:
        db_path: the ``.lmdb`` folder (or file, for ``subdir=False`` databases).
            ``None``: every path names its database, ``'data/lq.lmdb/0001'``
            (the last path component ending in ``.lmdb`` is the database), so
            one ``backend_args=dict(backend='lmdb_lazy')`` serves several.
        **open_kwargs: extra arguments for ``lmdb.open`` (e.g. ``max_readers``);
            they override the read-only defaults above.
    """

    def __init__(self, db_path: Union[str, Path, None] = None, **open_kwargs: Any) -> None:
        self.db_path = None if db_path is None else str(db_path)
        self.open_kwargs = dict(readonly=True, lock=False, readahead=False, meminit=False)
        self.open_kwargs.update(open_kwargs)

    def opened_pid(self, db_path: Union[str, Path, None] = None) -> Optional[int]:
        """Pid of the process that opened the cached environment of ``db_path``."""
        entry = _OPEN_ENVS.get(os.path.realpath(str(db_path or self.db_path)))
        return None if entry is None else entry[0]

    def environment(self, db_path: str) -> lmdb.Environment:
        """This process's environment of ``db_path``, opened now if needed."""
        return _environment(db_path, self.open_kwargs)

    def split_path(self, filepath: Union[str, Path]) -> Tuple[str, List[str]]:
        """``(database, keys to try in order)`` for ``filepath``.

        The part of ``filepath`` inside the database (all of it when it is not
        inside) gives the keys:

        1. the string itself, so exact keys with dots (``'0001.x2'``) and
           sub-folder keys (``'sub/0001'``) work;
        2. that without its last extension (``'0001.x2.png'`` -> ``'0001.x2'``);
        3. the base name of 2 (``'whatever/0001.png'`` -> ``'0001'``), as
           mmagic's ``LoadImageFromFile`` does for LMDB.

        Raises:
            ValueError: without ``db_path``, a path in no ``*.lmdb`` folder;
                with it, a path inside another ``*.lmdb`` folder.
        """
        path = str(filepath).replace(os.sep, '/')
        parts = path.split('/')
        in_db = [i for i, part in enumerate(parts[:-1]) if part.endswith('.lmdb')]
        if self.db_path is None:
            if not in_db:
                raise ValueError(f'LMDB path {path!r} is not inside a *.lmdb folder; give '
                                 "backend_args=dict(backend='lmdb_lazy', db_path=...)")
            db_path, rest = '/'.join(parts[:in_db[-1] + 1]), '/'.join(parts[in_db[-1] + 1:])
        else:
            db_path, rest = self.db_path, path
            db_prefix = os.path.abspath(self.db_path).replace(os.sep, '/') + '/'
            absolute = os.path.abspath(path).replace(os.sep, '/')
            if absolute.startswith(db_prefix):
                rest = absolute[len(db_prefix):]
            elif in_db:
                raise ValueError(f'LMDB path {path!r} is inside {"/".join(parts[:in_db[-1] + 1])!r}'
                                 f' but this backend reads db_path={self.db_path!r}')
        stem = os.path.splitext(rest)[0]
        candidates = [rest, stem, stem.rsplit('/', 1)[-1]]
        return db_path, [key for i, key in enumerate(candidates)
                         if key and key not in candidates[:i]]

    def join_path(self, filepath: Union[str, Path], *filepaths: str) -> str:
        """``'data/lq.lmdb'`` + ``'0001'`` -> ``'data/lq.lmdb/0001'`` (a readable path)."""
        return '/'.join([str(filepath).rstrip('/'), *filepaths])

    def get(self, filepath: Union[str, Path]) -> bytes:
        """The value stored for ``filepath`` (a key or a path, see :meth:`split_path`).

        Raises:
            FileNotFoundError: the database does not exist.
            KeyError: no candidate key is in the database.
        """
        db_path, candidates = self.split_path(filepath)
        with self.environment(db_path).begin(write=False) as txn:
            for key in candidates:
                value = txn.get(key.encode('utf-8'))
                if value is not None:
                    return value
        raise LmdbKeyError(f'Key {candidates[0]!r} not found in LMDB database {db_path!r}'
                           f' (for {str(filepath)!r}; tried keys {candidates})')

    def get_text(self, filepath: Union[str, Path], encoding: str = 'utf-8') -> str:
        """The value for ``filepath`` decoded as text."""
        return self.get(filepath).decode(encoding)

    def close(self) -> None:
        """Close this process's environment of ``db_path`` (reopened on the next read)."""
        if self.db_path is not None:
            close_environment(self.db_path)


register_backend('lmdb_lazy', LazyLmdbBackend, force=True)  # force: re-import safe


def _parse_meta_line(line: str, meta_path: str, line_no: int) -> Tuple[str, Tuple[int, ...]]:
    match = _META_LINE.match(line.rstrip('\r\n'))
    if match is None:
        raise ValueError(f'{meta_path}:{line_no}: expected "name.png (h,w,c) compress_level", '
                         f'got {line.rstrip()!r}')
    shape = tuple(int(v) for v in match.group('shape').split(','))
    return match.group('name'), shape


def read_meta_info(db_path: Union[str, Path]) -> List[Tuple[str, Tuple[int, ...]]]:
    """``[(name, (h, w, c)), ...]`` from ``db_path/meta_info.txt``, in file order.

    Names keep their extension and may contain dots and spaces
    (``'0001.x2.png'``); the key of a name is it without its last extension.
    Lines of BasicSR/mmagic databases (``name.png (h,w,c) level``) parse too.

    Raises:
        FileNotFoundError: no database or no meta_info.txt at ``db_path``.
        ValueError: a malformed line (the message names file and line).
    """
    db_path = str(db_path)
    meta_path = os.path.join(db_path, META_INFO_NAME)
    if not os.path.isfile(meta_path):
        _database_files(db_path)  # a missing database is the clearer message
        raise FileNotFoundError(2, f'LMDB database has no {META_INFO_NAME}', meta_path)
    with open(meta_path, encoding='utf-8') as meta:
        return [_parse_meta_line(line, meta_path, line_no)
                for line_no, line in enumerate(meta, start=1) if line.strip()]
