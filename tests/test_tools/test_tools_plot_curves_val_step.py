"""plot_curves.py places validation points at the iteration they were made at (issue 21).

The scalars.json lines below are written as mmengine 0.10 writes them for the
toolbox's default runtime (LoggerHook interval=50, log_metric_by_epoch=False): a
40-iteration run over a 4-batch training set logs one training line, at the end of
the first pass through the loader (step 4; the interval of 50 is never reached),
and its validation at iterations 20 and 40 with step = runner.iter.
"""
import json

from conftest import load_tool_module

plot_curves = load_tool_module('tools/analysis/plot_curves.py')


def _write(path, lines):
    path.write_text(''.join(json.dumps(line) + '\n' for line in lines))
    return str(path)


def _train(step):
    return {'lr': 1e-3, 'data_time': 0.01, 'loss': 0.1, 'time': 0.1, 'iter': step,
            'memory': 10, 'step': step}


def test_validation_by_iteration_is_placed_at_its_iteration(tmp_path):
    path = _write(tmp_path / 'scalars.json', [
        _train(4), {'PSNR': 25.0, 'iter': 21, 'time': 0.2, 'step': 20},
        {'PSNR': 26.0, 'iter': 41, 'time': 0.2, 'step': 40}])
    assert plot_curves.read_series([path])['PSNR'] == ([20, 40], [25.0, 26.0])


def test_validation_by_epoch_still_follows_the_training_line(tmp_path):
    # log_metric_by_epoch=True in an iteration-based run: step is the epoch, 0.
    path = _write(tmp_path / 'scalars.json', [
        _train(10), {'PSNR': 25.0, 'step': 0}, _train(20), {'PSNR': 26.0, 'step': 0}])
    assert plot_curves.read_series([path])['PSNR'] == ([10, 20], [25.0, 26.0])
