"""Per-group validation/test metrics printed as a table by mmengine's LogProcessor.

Metrics with ``group_by`` (``irtoolbox/evaluation/metrics/base_restoration_metric.py``)
return one value per group next to the overall mean: ``PSNR``,
``PSNR/degradation_bucket=mild``, ``degraded/PSNR/degradation_bucket=mild`` ... A
grouped test set gives 20-45 of them, which mmengine prints on one line. Here the
``Iter(val)`` / ``Iter(test)`` line keeps the overall values (and times), and the
grouped ones follow as a small table, one row per group and one column per
metric. Only the text changes: the returned tag, which the scalars/json logs and
the message hub receive, keeps every key. The tools' runner
(:class:`~irtoolbox.engine.runner.StrictLoadRunner`) applies it to the log
processor the config builds, whatever its type.
"""
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Tuple

from mmengine.runner import LogProcessor


def split_group(key: str) -> Tuple[str, Optional[str]]:
    """``'degraded/PSNR/task_name=rain'`` -> ``('degraded/PSNR', 'task_name=rain')``;
    a key without a group (no ``=`` in any part) -> ``(key, None)``.

    The group starts at the first ``/``-part holding ``=`` (metric names hold
    none; a group value may hold ``/``).
    """
    parts = key.split('/')
    for i, part in enumerate(parts):
        if '=' in part and i > 0:
            return '/'.join(parts[:i]), '/'.join(parts[i:])
    return key, None


def _text(value: Any, num_digits: int) -> str:
    return f'{value:.{num_digits}f}' if isinstance(value, float) else str(value)


def metrics_table(values: Dict[str, Any], num_digits: int = 4, indent: str = '    ') -> str:
    """Rows: the groups, in order of first appearance; columns: the metrics that have
    groups; ``-`` where a metric has no value for a group. Empty if no key has a group."""
    rows: Dict[str, Dict[str, Any]] = OrderedDict()
    columns: List[str] = []
    for key, value in values.items():
        name, group = split_group(key)
        if group is None:
            continue
        if name not in columns:
            columns.append(name)
        rows.setdefault(group, {})[name] = value
    if not rows:
        return ''

    header = ['group', *columns]
    body = [[group, *(_text(cells[c], num_digits) if c in cells else '-' for c in columns)]
            for group, cells in rows.items()]
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]

    def render(line: List[str]) -> str:
        return indent + '  '.join([line[0].ljust(widths[0])] +
                                  [text.rjust(width) for text, width in zip(line[1:], widths[1:])])

    return '\n'.join(render(line) for line in [header, *body])


def with_metrics_table(tag: Dict[str, Any], log_str: str, num_digits: int = 4) -> str:
    """mmengine's end-of-epoch line ``log_str`` for ``tag``, its grouped metrics
    moved into a table (unchanged when no key has a group)."""
    if not any(split_group(key)[1] is not None for key in tag):
        return log_str
    # mmengine's line is 'Iter(val) [4/4]    name: value  name: value ...'
    head = log_str.split('  ', 1)[0]
    overall = [f'{key}: {_text(value, num_digits)}' for key, value in tag.items()
               if split_group(key)[1] is None]
    return f'{head}    ' + '  '.join(overall) + '\n' + metrics_table(tag, num_digits)


def print_metrics_tables(processor: LogProcessor) -> LogProcessor:
    """``processor`` (a built mmengine ``LogProcessor``), its validation and test lines
    printed with :func:`with_metrics_table`; the tag it returns is unchanged."""
    get_log_after_epoch = processor.get_log_after_epoch

    def get_log_with_table(runner: Any, batch_idx: int, mode: str,
                           with_non_scalar: bool = False) -> Tuple[dict, str]:
        tag, log_str = get_log_after_epoch(runner, batch_idx, mode, with_non_scalar)
        return tag, with_metrics_table(tag, log_str, processor.num_digits)

    processor.get_log_after_epoch = get_log_with_table
    return processor
