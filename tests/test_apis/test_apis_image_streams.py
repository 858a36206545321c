"""Memory-mapped .npy / TIFF restoration, its memory, and the optional tifffile.

Oracles: the in-memory restoration of the same pixels (the streamed path must
give the same integers), files read back independently (``numpy.load``,
``tifffile.imread``), the resident memory of a fresh process measured by the
kernel (``VmHWM``), and a subprocess in which ``import tifffile`` really fails.
"""
import importlib.util
import json
import os
import os.path as osp
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import tifffile
import torch
from skimage import data as skdata

import irtoolbox.models  # noqa: F401  (registers the parts)
from irtoolbox.apis import restore_image
from irtoolbox.apis.image_streams import InMemoryImage, MappedImage, open_source
from irtoolbox.registry import MODELS

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
MODEL = dict(type='Restorer', backbone=dict(type='ResidualCNN', mid_channels=8, num_blocks=2),
             data_preprocessor=dict(type='RestorationDataPreprocessor', mean=0.5, std=0.5))
TILING = dict(tile=24, tile_overlap=12)


@pytest.fixture(scope='module')
def model() -> torch.nn.Module:
    torch.manual_seed(0)
    net = MODELS.build(MODEL).eval()
    for param in net.parameters():
        param.data.normal_(0, 0.15)
    return net


@pytest.fixture(scope='module')
def photo() -> np.ndarray:
    return np.ascontiguousarray(skdata.astronaut()[100:190, 150:220])  # 90 x 70 RGB


def test_npy_round_trip_equals_in_memory(model, photo, tmp_path):
    expected = restore_image(model, photo, **TILING)
    src, dst = tmp_path / 'in.npy', tmp_path / 'out.npy'
    np.save(src, np.ascontiguousarray(photo[..., ::-1]))  # .npy holds BGR, as OpenCV arrays
    source = open_source(str(src))
    assert isinstance(source, MappedImage)  # really the mapped path
    source.close()
    returned = restore_image(model, str(src), out=str(dst), **TILING)
    written = np.load(dst)
    assert written.dtype == np.uint8
    np.testing.assert_array_equal(written, expected[..., ::-1])
    np.testing.assert_array_equal(returned, written)
    # a gray (H x W) array is read as 3 equal channels, as image files are
    np.save(src, photo[..., 1])
    gray = restore_image(model, str(src), **TILING)  # into memory, BGR as the file
    np.testing.assert_array_equal(
        gray, restore_image(model, np.repeat(photo[..., 1:2], 3, axis=2), **TILING))


def test_tiff_round_trip_equals_in_memory(model, photo, tmp_path):
    expected = restore_image(model, photo, **TILING)
    src, dst = tmp_path / 'in.tif', tmp_path / 'out.tiff'
    tifffile.imwrite(src, photo, photometric='rgb', bigtiff=True)
    returned = restore_image(model, str(src), out=str(dst), **TILING)
    with tifffile.TiffFile(dst) as tif:
        assert tif.is_bigtiff and tif.pages[0].photometric == tifffile.PHOTOMETRIC.RGB
    np.testing.assert_array_equal(tifffile.imread(dst), expected)
    np.testing.assert_array_equal(returned, expected)
    # 16 bits in, 16 bits out, equal to the in-memory uint16 result
    photo16 = photo.astype(np.uint16) * 257 + 100
    tifffile.imwrite(src, photo16, photometric='rgb')
    restore_image(model, str(src), out=str(dst), **TILING)
    written = tifffile.imread(dst)
    assert written.dtype == np.uint16
    np.testing.assert_array_equal(written, restore_image(model, photo16, **TILING))
    # compressed TIFF cannot be mapped: decoded whole, as integers, same result
    tifffile.imwrite(src, photo, photometric='rgb', compression='zlib')
    source = open_source(str(src))
    assert isinstance(source, InMemoryImage) and source.array.dtype == np.uint8
    np.testing.assert_array_equal(restore_image(model, str(src), **TILING), expected)
    # TIFF in, .npy out (BGR)
    restore_image(model, str(src), out=str(tmp_path / 'out.npy'), **TILING)
    np.testing.assert_array_equal(np.load(tmp_path / 'out.npy'), expected[..., ::-1])


def test_infer_tool_streams_tiff(model, photo, tmp_path):
    config = tmp_path / 'tiny.py'
    config.write_text(f'model = {MODEL!r}\n')
    checkpoint = tmp_path / 'tiny.pth'
    torch.save({'state_dict': model.state_dict()}, checkpoint)
    spec = importlib.util.spec_from_file_location('irtoolbox_tools_infer_streams',
                                                  osp.join(REPO_ROOT, 'tools', 'infer.py'))
    infer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(infer)
    src = tmp_path / 'big.tif'
    tifffile.imwrite(src, photo, photometric='rgb')
    assert infer.main([str(config), str(checkpoint), str(src), str(tmp_path / 'out.tif'),
                       '--tile', '24', '--tile-overlap', '12', '--device', 'cpu']) == 0
    np.testing.assert_array_equal(tifffile.imread(tmp_path / 'out.tif'),
                                  restore_image(model, photo, **TILING))


PEAK_SCRIPT = textwrap.dedent('''
    import json, sys
    import numpy as np, torch
    import irtoolbox.models
    from irtoolbox.apis import restore_image
    from irtoolbox.registry import MODELS
    torch.set_num_threads(1)
    folder = sys.argv[1]


    class OneConv(torch.nn.Module):
        """The cheapest real network: one 3x3 convolution, as restore_image sees a Restorer."""

        def __init__(self):
            super().__init__()
            self.data_preprocessor = MODELS.build(dict(type='RestorationDataPreprocessor'))
            self.conv = torch.nn.Conv2d(3, 3, 3, padding=1)

        def forward_tensor(self, x):
            return self.conv(x)

    model = OneConv().eval()
    # tall and narrow: a band of rows (tile height x width) is a small part of it
    image = np.random.default_rng(0).integers(0, 256, (16384, 512, 3), dtype=np.uint8)
    np.save(folder + '/in.npy', image)

    def status(field):
        return int(next(l for l in open('/proc/self/status') if l.startswith(field)).split()[1])

    def peak_mib(**kwargs):
        # a first identical run: one-off allocations (kernels and caches for these tile
        # shapes) are not per-image memory
        restore_image(model, tile_overlap=8, progress=False, **kwargs)
        baseline = status('VmRSS:')
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')  # VmHWM := VmRSS
        restore_image(model, tile_overlap=8, progress=False, **kwargs)
        return (status('VmHWM:') - baseline) / 1024

    # the smallest first: memory freed by a run may be reused by the next unseen
    peaks = dict(streamed=peak_mib(img=folder + '/in.npy', tile=256, out=folder + '/out.npy'),
                 tiled=peak_mib(img=image, tile=256), untiled=peak_mib(img=image, tile=None))
    print(json.dumps(peaks))
''')


@pytest.mark.skipif(not sys.platform.startswith('linux'), reason='VmHWM is Linux only')
def test_memory_holds_no_float_copy_of_the_image(tmp_path):
    """16384 x 512 x 3 uint8: one image is 24 MiB, a float32 copy 96 MiB.

    Tiled in memory, the process grows by the uint8 output (24 MiB) and one
    tile's floats; streamed from and to .npy, by bands of rows (about
    2 x 264 rows x 512 px x 3 B = 0.8 MiB) and one tile's floats (4-5 MiB
    were measured, the same for a 4x shorter image). The untiled run must
    show the float image, or the measurement could not see it.
    """
    env = dict(os.environ, OMP_NUM_THREADS='1')
    proc = subprocess.run([sys.executable, '-c', PEAK_SCRIPT, str(tmp_path)], env=env,
                          capture_output=True, text=True, cwd=REPO_ROOT)
    if proc.returncode != 0 and 'clear_refs' in proc.stderr:
        pytest.skip('cannot reset the peak RSS here (/proc/self/clear_refs)')
    assert proc.returncode == 0, proc.stderr[-2000:]
    peaks = json.loads(proc.stdout.strip().splitlines()[-1])
    image_mib = 16384 * 512 * 3 / 2 ** 20
    assert peaks['untiled'] > 4 * image_mib, peaks  # the float32 input alone is 4x
    # the uint8 output + one tile (+ a few MiB of measurement noise); a float copy would
    # add 96 MiB, even a second uint8 copy 24 MiB
    assert peaks['tiled'] < 1.5 * image_mib, peaks
    # 4.5 MiB measured on an idle machine, 10-11 MiB seen under heavy load; without the
    # page release 48 MiB: half the image separates the two with margin
    assert peaks['streamed'] < image_mib / 2, peaks
    written = np.load(tmp_path / 'out.npy')  # complete: the last rows were written back
    assert written.shape == (16384, 512, 3) and written[-8:].any()


BLOCKER = textwrap.dedent('''
    import sys

    class BlockTifffile:
        """Makes `import tifffile` fail as if it were not installed."""

        def find_spec(self, name, path=None, target=None):
            if name == 'tifffile' or name.startswith('tifffile.'):
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, BlockTifffile())
''')


def test_missing_tifffile_gives_one_clear_line(model, photo, tmp_path):
    site = tmp_path / 'site'
    site.mkdir()
    (site / 'sitecustomize.py').write_text(BLOCKER)
    env = dict(os.environ, OMP_NUM_THREADS='1',
               PYTHONPATH=os.pathsep.join([str(site), os.environ.get('PYTHONPATH', '')]))
    check = subprocess.run([sys.executable, '-c', 'import tifffile'], env=env,
                           capture_output=True, text=True)
    assert check.returncode != 0 and 'tifffile' in check.stderr  # the blocker works
    config = tmp_path / 'tiny.py'
    config.write_text(f'model = {MODEL!r}\n')
    checkpoint = tmp_path / 'tiny.pth'
    torch.save({'state_dict': model.state_dict()}, checkpoint)
    folder = tmp_path / 'photos'
    folder.mkdir()
    import cv2
    cv2.imwrite(str(folder / 'a.png'), np.ascontiguousarray(photo[..., ::-1]))
    tifffile.imwrite(folder / 'b.tif', photo, photometric='rgb')
    # folder mode, sorted: a.png is restored (tifffile is optional), then b.tif stops the run
    proc = subprocess.run([sys.executable, 'tools/infer.py', str(config), str(checkpoint),
                           str(folder), str(tmp_path / 'out'), '--ext', 'npy',
                           '--device', 'cpu'],
                          env=env, capture_output=True, text=True, cwd=REPO_ROOT)
    errors = [line for line in proc.stderr.splitlines()
              if line.startswith('infer.py: error:')]
    assert proc.returncode == 1 and 'Traceback' not in proc.stderr, proc.stderr
    assert len(errors) == 1 and 'tifffile' in errors[0] and \
        'pip install tifffile' in errors[0], proc.stderr
    np.testing.assert_array_equal(np.load(tmp_path / 'out' / 'a.npy'),
                                  restore_image(model, photo)[..., ::-1])
    assert not (tmp_path / 'out' / 'b.npy').exists()
