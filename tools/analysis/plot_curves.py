"""Plot training losses and validation metrics of a run as one PNG.

Usage::

    python tools/analysis/plot_curves.py WORK_DIR [--keys loss PSNR ...] [--all]
        [--out WORK_DIR/curves.png] [--width 800] [--panel-height 300]

Reads ``WORK_DIR/<timestamp>/vis_data/scalars.json`` (mmengine's
LocalVisBackend: one JSON object per line with ``step`` and the scalars) of the
newest run, or of every run in time order with ``--all`` (a resumed run
continues the curves). WORK_DIR may also be one ``<timestamp>`` folder or the
JSON file itself.

Panels: one for the losses (``loss``, ``loss_<name>``; log y axis), one per
metric family (``PSNR`` and ``PSNR/degradation_level=1`` share a panel), and
one per other key given with ``--keys`` (``lr`` gets a log axis). The x axis is
the training iteration. mmengine's LoggerHook writes a validation line with
``step`` = the iteration when ``log_metric_by_epoch=False`` (the toolbox default,
configs/_base_/default_runtime.py) and ``step`` = the epoch (0 in iteration-based
runs) otherwise. A validation step below the step of the training line logged
before it can only be an epoch, so that line is placed at the training line's
iteration; any other validation line is placed at its own step. (Training lines
alone cannot locate validation: a short run logs training only every ``interval``
iterations or at the end of a pass through the loader.)

matplotlib is used (mmengine itself requires it, so it is always installed);
the Agg backend needs no display. The image is ``width`` x ``panels *
panel_height`` pixels.
"""
import argparse
import glob
import json
import os.path as osp
import sys
from typing import Dict, List, Optional, Tuple

BOOKKEEPING = {'step', 'iter', 'epoch', 'time', 'data_time', 'memory', 'lr'}
LOG_SCALE_PREFIXES = ('loss', 'lr')
Series = Dict[str, Tuple[List[float], List[float]]]


def find_scalar_files(work_dir: str, all_runs: bool = False) -> List[str]:
    """The newest (or all, oldest first) ``scalars.json`` of a work dir."""
    if osp.isfile(work_dir):
        return [work_dir]
    direct = osp.join(work_dir, 'vis_data', 'scalars.json')
    if osp.isfile(direct):
        return [direct]
    # mmengine names run folders by timestamp (YYYYMMDD_HHMMSS): name order is time order.
    found = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))
    if not found:
        raise FileNotFoundError(
            f'plot_curves: no scalars.json in {work_dir!r} (looked for '
            f'{osp.join(work_dir, "<timestamp>", "vis_data", "scalars.json")}); was the run '
            "made with vis_backends=[dict(type='LocalVisBackend')]?")
    return found if all_runs else found[-1:]


def is_training_line(line: dict) -> bool:
    return 'lr' in line or any(key.startswith('loss') for key in line)


def read_series(paths: List[str]) -> Series:
    """``{key: (iterations, values)}`` of every numeric scalar in the files."""
    series: Series = {}
    for path in paths:
        last_train_step = None
        with open(path) as f:
            for number, text in enumerate(f, 1):
                if not text.strip():
                    continue
                try:
                    line = json.loads(text)
                except json.JSONDecodeError as err:
                    raise ValueError(f'plot_curves: {path} line {number} is not JSON: {err}')
                if is_training_line(line):
                    last_train_step = line['step']
                x = _iteration(line, last_train_step)
                for key, value in line.items():
                    if key != 'step' and isinstance(value, (int, float)):
                        xs, ys = series.setdefault(key, ([], []))
                        xs.append(x)
                        ys.append(float(value))
    return series


def _iteration(line: dict, last_train_step: Optional[int]) -> int:
    """The training iteration of a scalars.json line (see the module docstring)."""
    if is_training_line(line) or last_train_step is None or line['step'] >= last_train_step:
        return line['step']
    return last_train_step  # a validation step that is an epoch number


def default_keys(series: Series) -> List[str]:
    """Losses and validation metrics; timing, memory and lr are left out."""
    return [key for key in series if key not in BOOKKEEPING]


def group_keys(keys: List[str], series: Series) -> List[Tuple[str, List[str]]]:
    """``[(panel title, keys)]``: losses together, then one panel per key family."""
    missing = [key for key in keys if key not in series]
    if missing:
        raise KeyError(f'plot_curves: keys {missing} are not in the scalars; '
                       f'available: {sorted(series)}')
    groups: Dict[str, List[str]] = {}
    for key in keys:
        groups.setdefault(_panel_title(key), []).append(key)
    return list(groups.items())


def _panel_title(key: str) -> str:
    """The metric a scalar belongs to: 'PSNR' for 'PSNR', 'degraded/PSNR' (a
    prefixed metric) and 'PSNR/degradation_level=3' (a group_by entry), so the
    model's PSNR is drawn beside the degraded input's."""
    if key.startswith('loss'):
        return 'loss'
    names = [part for part in key.split('/') if '=' not in part]
    return names[-1] if names else key


def plot(groups: List[Tuple[str, List[str]]], series: Series, out: str, width: int = 800,
         panel_height: int = 300) -> None:
    """Draw one panel per group, stacked, into a ``width`` x ``n * panel_height`` PNG."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    dpi = 100
    fig, axes = plt.subplots(len(groups), 1, squeeze=False,
                             figsize=(width / dpi, len(groups) * panel_height / dpi), dpi=dpi)
    for ax, (title, keys) in zip(axes[:, 0], groups):
        for key in keys:
            xs, ys = series[key]
            ax.plot(xs, ys, marker='.' if len(xs) < 30 else None, label=key)
        positive = all(v > 0 for key in keys for v in series[key][1])
        if title.startswith(LOG_SCALE_PREFIXES) and positive:
            ax.set_yscale('log')
        ax.set_title(title)
        ax.set_xlabel('iteration')
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize='small')
    fig.tight_layout()
    fig.savefig(out, dpi=dpi)  # no bbox_inches='tight': keep the documented size
    plt.close(fig)


def plot_curves(work_dir: str, keys: Optional[List[str]] = None, out: Optional[str] = None,
                all_runs: bool = False, width: int = 800, panel_height: int = 300) -> str:
    """Plot a work dir's curves; returns the PNG path (default ``WORK_DIR/curves.png``)."""
    paths = find_scalar_files(work_dir, all_runs)
    series = read_series(paths)
    groups = group_keys(keys or default_keys(series), series)
    if not groups:
        raise ValueError(f'plot_curves: nothing to plot in {paths}: it holds only '
                         f'{sorted(series)}')
    if out is None:
        out = osp.join(work_dir if osp.isdir(work_dir) else osp.dirname(work_dir), 'curves.png')
    plot(groups, series, out, width, panel_height)
    return out


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Plot losses and metrics of a training run')
    parser.add_argument('work_dir', help='work dir of the run (holds <timestamp>/vis_data)')
    parser.add_argument('--keys', nargs='+', help='scalars to plot (default: losses, metrics)')
    parser.add_argument('--out', help='output PNG (default: WORK_DIR/curves.png)')
    parser.add_argument('--all', action='store_true', help='join all runs, oldest first')
    parser.add_argument('--width', type=int, default=800, help='image width in pixels')
    parser.add_argument('--panel-height', type=int, default=300, help='height of each panel')
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> None:
    args = parse_args(argv)
    try:
        out = plot_curves(args.work_dir, args.keys, args.out, args.all, args.width,
                          args.panel_height)
    except (FileNotFoundError, KeyError, ValueError) as err:
        sys.exit('plot_curves.py: error: '
                 + (str(err.args[0]) if isinstance(err, KeyError) else str(err)))
    print(f'Saved {out}')


if __name__ == '__main__':
    main()
