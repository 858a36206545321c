"""make_lmdb (writer + CLI) and the 'lmdb_lazy' mmengine file backend, on real files.

Oracles: the source arrays themselves (written to PNG files by cv2, read back
from the database by plain ``lmdb`` + ``cv2.imdecode`` / ``np.load``), the
BasicSR meta_info format parsed by a regex written here, and loading the same
pairs from the image folders.
"""
import io
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import lmdb
import numpy as np
import pytest
import skimage.data
import torch
from mmengine import fileio

from irtoolbox.datasets import PairedImageDataset
from irtoolbox.datasets.lmdb_backend import LazyLmdbBackend, read_meta_info
from irtoolbox.datasets.lmdb_writer import make_lmdb

REPO_ROOT = Path(__file__).resolve().parents[2]
# BasicSR's line format, written independently of the code under test.
META_LINE = re.compile(r'^(.+) \((\d+),(\d+),(\d+)\) (\d+)$')


def source_images() -> dict:
    """File name -> array in cv2 layout (BGR, HxW for gray), from real photos."""
    return {
        '0001.x2.png': skimage.data.astronaut()[40:88, 100:164, ::-1].copy(),
        '0002.x2.png': skimage.data.chelsea()[60:100, 120:170, ::-1].copy(),
        'coffee.png': skimage.data.coffee()[150:182, 200:248, ::-1].copy(),
        'gray16.png': skimage.data.camera()[100:130, 200:240].astype(np.uint16) * 257,
    }


def write_folder(folder: Path, images: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, array in images.items():
        assert cv2.imwrite(str(folder / name), array)
    return folder


def raw_values(db: Path) -> dict:
    """Every key -> value of a database, read with plain lmdb."""
    env = lmdb.open(str(db), readonly=True, lock=False)
    try:
        with env.begin() as txn:
            return {k.decode(): bytes(v) for k, v in txn.cursor()}
    finally:
        env.close()


def lazy_args(db: Path) -> dict:
    return dict(backend='lmdb_lazy', db_path=str(db))


@pytest.fixture
def photos(tmp_path):
    images = source_images()
    return images, write_folder(tmp_path / 'photos', images)


def test_png_round_trip_keys_and_meta_info(photos, tmp_path):
    images, folder = photos
    db = make_lmdb(folder, tmp_path / 'png.lmdb', compress_level=3, progress=False)
    values = raw_values(db)
    # Keys strip only the last extension: '0001.x2.png' -> '0001.x2'.
    assert sorted(values) == ['0001.x2', '0002.x2', 'coffee', 'gray16']
    for name, array in images.items():
        key = name[:-len('.png')]
        assert values[key][:8] == b'\x89PNG\r\n\x1a\n'
        decoded = cv2.imdecode(np.frombuffer(values[key], np.uint8), cv2.IMREAD_UNCHANGED)
        assert decoded.dtype == array.dtype and np.array_equal(decoded, array), name
        # The backend returns the same bytes for a key, a file name and a path.
        for query in (key, name, f'some/folder/{name}', str(db / key)):
            assert fileio.get(query, backend_args=lazy_args(db)) == values[key], query
    lines = (db / 'meta_info.txt').read_text().splitlines()
    parsed = [META_LINE.match(line).groups() for line in lines]
    expected = sorted((name, *map(str, (a.shape[0], a.shape[1], 1 if a.ndim == 2 else 3)), '3')
                      for name, a in images.items())
    assert parsed == expected
    assert read_meta_info(db) == [(p[0], tuple(int(v) for v in p[1:4])) for p in parsed]


def test_raw_round_trip_is_npy_in_bgr(photos, tmp_path):
    images, folder = photos
    db = make_lmdb(folder, tmp_path / 'raw.lmdb', raw=True, workers=2, commit_interval=1,
                   progress=False)
    for name, array in images.items():
        value = fileio.get(name, backend_args=lazy_args(db))
        assert value[:6] == b'\x93NUMPY'
        loaded = np.load(io.BytesIO(value), allow_pickle=False)
        assert loaded.dtype == array.dtype and np.array_equal(loaded, array), name
    names = [META_LINE.match(line).group(1)
             for line in (db / 'meta_info.txt').read_text().splitlines()]
    assert names == ['0001.x2.npy', '0002.x2.npy', 'coffee.npy', 'gray16.npy']


def test_recursive_keys_are_relative_paths(photos, tmp_path):
    images, folder = photos
    write_folder(folder / 'sub', {'0001.x2.png': images['coffee.png']})
    flat = make_lmdb(folder, tmp_path / 'flat.lmdb', progress=False)
    deep = make_lmdb(folder, tmp_path / 'deep.lmdb', recursive=True, progress=False)
    assert 'sub/0001.x2' not in raw_values(flat)
    value = fileio.get('sub/0001.x2.png', backend_args=lazy_args(deep))
    assert np.array_equal(cv2.imdecode(np.frombuffer(value, np.uint8), cv2.IMREAD_UNCHANGED),
                          images['coffee.png'])


def test_missing_key_and_missing_database_name_what_is_missing(photos, tmp_path):
    _, folder = photos
    db = make_lmdb(folder, tmp_path / 'png.lmdb', progress=False)
    with pytest.raises(KeyError) as info:
        fileio.get('0003.x2.png', backend_args=lazy_args(db))
    assert "'0003.x2'" in str(info.value) and str(db) in str(info.value)
    missing = tmp_path / 'nowhere.lmdb'
    with pytest.raises(FileNotFoundError, match=re.escape(str(missing))):
        fileio.get('0001', backend_args=lazy_args(missing))
    with pytest.raises(FileNotFoundError, match='no data.mdb'):
        read_meta_info(folder)  # a folder, but not a database
    (db / 'meta_info.txt').unlink()
    with pytest.raises(FileNotFoundError, match=re.escape(str(db / 'meta_info.txt'))):
        read_meta_info(db)


def test_existing_output_needs_overwrite(photos, tmp_path):
    _, folder = photos
    db = make_lmdb(folder, tmp_path / 'png.lmdb', progress=False)
    with pytest.raises(FileExistsError, match='overwrite'):
        make_lmdb(folder, db, progress=False)


def test_instances_share_one_environment_and_see_a_rebuild(photos, tmp_path):
    images, folder = photos
    db = make_lmdb(folder, tmp_path / 'png.lmdb', progress=False)
    by_db_path = fileio.get('coffee', backend_args=lazy_args(db))
    # A second backend instance (other backend_args) on the same database:
    # py-lmdb refuses a second open of the same files in one process.
    by_path = fileio.get(str(db / 'coffee'), backend_args=dict(backend='lmdb_lazy'))
    assert by_path == by_db_path
    write_folder(folder, {'coffee.png': images['0002.x2.png']})
    make_lmdb(folder, db, overwrite=True, progress=False)
    rebuilt = fileio.get('coffee', backend_args=lazy_args(db))
    decoded = cv2.imdecode(np.frombuffer(rebuilt, np.uint8), cv2.IMREAD_UNCHANGED)
    assert np.array_equal(decoded, images['0002.x2.png'])


def test_failed_build_leaves_previous_database_untouched(photos, tmp_path):
    images, folder = photos
    db = make_lmdb(folder, tmp_path / 'png.lmdb', progress=False)
    before = raw_values(db), (db / 'meta_info.txt').read_text()
    (folder / 'zzzz.png').write_bytes(b'not a png at all')  # sorted last: fails partway
    with pytest.raises(ValueError, match='zzzz.png'):
        make_lmdb(folder, db, raw=True, overwrite=True, commit_interval=1, progress=False)
    assert (raw_values(db), (db / 'meta_info.txt').read_text()) == before
    with pytest.raises(ValueError, match='zzzz.png'):
        make_lmdb(folder, tmp_path / 'new.lmdb', commit_interval=1, progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ['photos', 'png.lmdb']


def test_killed_cli_build_leaves_no_database(tmp_path):
    photo = skimage.data.astronaut()[:, :, ::-1]
    folder = tmp_path / 'many'
    folder.mkdir()
    for i in range(300):  # enough that a one-image-per-commit build takes seconds
        y, x = (7 * i) % 384, (13 * i) % 384
        cv2.imwrite(str(folder / f'{i:04d}.png'), photo[y:y + 128, x:x + 128])
    old = write_folder(tmp_path / 'old', {'a.png': photo[:16, :16]})
    output = make_lmdb(old, tmp_path / 'out.lmdb', progress=False)
    before = raw_values(output)
    env = dict(os.environ, PYTHONPATH=f'{REPO_ROOT}{os.pathsep}{os.environ.get("PYTHONPATH", "")}')
    proc = subprocess.Popen(
        [sys.executable, str(REPO_ROOT / 'tools/data/make_lmdb.py'), str(folder), str(output),
         '--overwrite', '--workers', '1', '--commit-interval', '1', '--no-progress'],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    data_file = tmp_path / f'out.lmdb.tmp-{proc.pid}' / 'data.mdb'
    deadline = time.monotonic() + 120
    # Kill once a few images are committed into the temporary database.
    while proc.poll() is None and time.monotonic() < deadline:
        if data_file.is_file() and data_file.stat().st_size > 256 * 1024:
            break
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    _, stderr = proc.communicate()
    assert proc.returncode == -signal.SIGKILL, f'build was not killed midway: {stderr[-2000:]}'
    assert data_file.is_file()  # it was really writing
    assert raw_values(output) == before
    # The next build removes the dead build's temporary folder.
    make_lmdb(old, output, overwrite=True, progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ['many', 'old', 'out.lmdb']


class _KeyReader(torch.utils.data.Dataset):
    """Reads through mmengine's cached backend, reporting who opened the env."""

    def __init__(self, db: Path, keys: list) -> None:
        self.db, self.keys = str(db), keys

    def __len__(self) -> int:
        return len(self.keys)

    def __getitem__(self, index: int) -> dict:
        args = lazy_args(self.db)
        value = fileio.get(self.keys[index], backend_args=args)
        backend = fileio.get_file_backend(self.keys[index], backend_args=args,
                                          enable_singleton=True)
        return dict(value=np.frombuffer(value, np.uint8).copy(), pid=os.getpid(),
                    opened_pid=backend.opened_pid(self.db), index=index)


def test_forked_dataloader_workers_open_their_own_environment(photos, tmp_path):
    images, folder = photos
    db = make_lmdb(folder, tmp_path / 'raw.lmdb', raw=True, progress=False)
    keys = sorted(images) * 2
    reader = _KeyReader(db, keys)
    reader[0]  # opens the environment in this process before the fork
    backend = fileio.get_file_backend(keys[0], backend_args=lazy_args(db), enable_singleton=True)
    assert isinstance(backend, LazyLmdbBackend) and backend.opened_pid(str(db)) == os.getpid()
    loader = torch.utils.data.DataLoader(reader, batch_size=None, num_workers=2,
                                         multiprocessing_context='fork')
    items = list(loader)
    assert [int(item['index']) for item in items] == list(range(len(keys)))
    worker_pids = {int(item['pid']) for item in items}
    assert len(worker_pids) == 2 and os.getpid() not in worker_pids
    for item in items:
        assert int(item['opened_pid']) == int(item['pid'])
        array = np.load(io.BytesIO(item['value'].numpy().tobytes()), allow_pickle=False)
        assert np.array_equal(array, images[keys[int(item['index'])]])
    assert backend.opened_pid(str(db)) == os.getpid()  # the parent's env is untouched


def _pair_folders(root: Path) -> None:
    """lq = gt downscaled by 2 with the same (dotted) names."""
    gt = {name: a for name, a in source_images().items() if a.ndim == 3}
    lq = {name: cv2.resize(a, (a.shape[1] // 2, a.shape[0] // 2), interpolation=cv2.INTER_AREA)
          for name, a in gt.items()}
    write_folder(root / 'gt', gt)
    write_folder(root / 'lq', lq)


def _dataset(root: Path, lq: str, gt: str, backend_args=None, lq_args=None,
             gt_args=None) -> PairedImageDataset:
    pipeline = [dict(type='LoadImageFromFile', key='img', backend_args=lq_args or backend_args),
                dict(type='LoadImageFromFile', key='gt', backend_args=gt_args or backend_args)]
    return PairedImageDataset(data_root=str(root), data_prefix=dict(img=lq, gt=gt),
                              backend_args=backend_args, pipeline=pipeline, test_mode=True)


@pytest.mark.parametrize('raw', [False, True], ids=['png', 'raw'])
def test_paired_dataset_reads_lmdb_like_folders(tmp_path, raw):
    _pair_folders(tmp_path)
    for part in ('lq', 'gt'):
        make_lmdb(tmp_path / part, tmp_path / f'{part}.lmdb', raw=raw, progress=False)
    from_folders = _dataset(tmp_path, 'lq', 'gt')
    from_lmdb = _dataset(tmp_path, 'lq.lmdb', 'gt.lmdb', dict(backend='lmdb_lazy'))
    # mmagic style: one db_path per loading step.
    per_step = _dataset(tmp_path, 'lq.lmdb', 'gt.lmdb', lazy_args(tmp_path / 'gt.lmdb'),
                        lq_args=lazy_args(tmp_path / 'lq.lmdb'))
    assert len(from_lmdb) == len(per_step) == len(from_folders) == 3
    for index in range(len(from_folders)):
        expected = from_folders[index]
        for actual in (from_lmdb[index], per_step[index]):
            assert actual['img_path'] == str(tmp_path / 'lq.lmdb' / os.path.splitext(
                os.path.basename(expected['img_path']))[0])
            for key in ('img', 'gt'):
                assert actual[key].dtype == np.float32
                assert np.array_equal(actual[key], expected[key]), (index, key)
