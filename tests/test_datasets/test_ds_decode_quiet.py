"""A bad PNG is reported once, by the toolbox, with its file name: OpenCV's
``[ WARN:0@...] ... PNG input buffer is incomplete`` and libpng's
``libpng error: PNG input buffer is incomplete`` no longer reach stderr (issue 21).

The two byte strings are ones that make OpenCV 4/5 print these lines
(checked with plain ``cv2.imdecode`` in the first test, so the test keeps
meaning something on another OpenCV build). ``capfd`` captures the file
descriptors, where the C libraries write.
"""
import cv2
import numpy as np
import pytest

from irtoolbox.datasets.image_io import ImageDecodeError, decode_image

IEND = b'\x00\x00\x00\x00IEND\xaeB`\x82'


def _png() -> bytes:
    # noise: its image data spans several zlib blocks, so a cut lands inside one
    noise = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    ok, buf = cv2.imencode('.png', noise)
    assert ok
    return buf.tobytes()


def _bad_pngs():
    full = _png()
    return {'header_only.png': full[:33] + IEND,  # IHDR, then the end: OpenCV warns
            'cut.png': full[:len(full) - 100]}   # cut in the image data: libpng errors


def test_plain_opencv_prints_the_lines_we_remove(capfd):
    for content in _bad_pngs().values():
        assert cv2.imdecode(np.frombuffer(content, np.uint8), cv2.IMREAD_UNCHANGED) is None
    err = capfd.readouterr().err
    assert '[ WARN' in err and 'libpng error' in err, err


@pytest.mark.parametrize('name', ['header_only.png', 'cut.png'])
def test_bad_png_is_one_toolbox_error_and_no_library_output(capfd, name):
    with pytest.raises(ImageDecodeError, match=name):
        decode_image(_bad_pngs()[name], f'data/{name}')
    captured = capfd.readouterr()
    assert captured.err == '' and captured.out == ''


def test_opencv_log_level_is_restored():
    level = cv2.utils.logging.getLogLevel()
    with pytest.raises(ImageDecodeError):
        decode_image(_bad_pngs()['header_only.png'], 'x.png')
    assert cv2.utils.logging.getLogLevel() == level
    decode_image(_png(), 'good.png')  # a whole PNG still decodes
