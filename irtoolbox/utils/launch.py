"""Shared start-up of the command-line tools: config merging, distributed
set-up that also works on CPU-only machines, and one-line error reports."""
import argparse
import contextlib
import os
import os.path as osp
import subprocess
import sys
from typing import Any, Iterator, List, Optional, Union

from mmengine.config import Config, DictAction

# torch is imported where it is used: the tools parse their arguments (--help, a bad
# flag) before loading it

DEBUG_ENV = 'IRTOOLBOX_DEBUG'


def add_common_args(parser: argparse.ArgumentParser) -> None:
    """Flags shared by tools/train.py and tools/test.py (OpenMMLab names)."""
    parser.add_argument('--work-dir', help='folder for logs, checkpoints and pictures')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config keys, e.g. train_cfg.max_iters=100')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm'], default='none',
                        help='job launcher (pytorch = torchrun)')
    parser.add_argument('--unsafe-load', action='store_true',
                        help='allow checkpoints with types outside the safe allowlist '
                             '(runs pickle code from the file: only for files you trust)')
    parser.add_argument('--verbose', action='store_true',
                        help='print the environment, config and hook order on the console '
                             'too (they always go to the log file)')
    # torchrun sets LOCAL_RANK; older launchers pass one of these flags.
    parser.add_argument('--local-rank', '--local_rank', type=int, default=0)


class ConfigNotFoundError(FileNotFoundError):
    """A config path that names no file: one wording for every tool and ``init_model``.

    The message says what is wrong, so the tools print it without the class name.
    """

    def __init__(self, path: Union[str, os.PathLike]) -> None:
        super().__init__(f'config file not found: {str(path)!r}')


def check_config_file(path: Union[str, os.PathLike]) -> None:
    """Raise ConfigNotFoundError unless ``path`` is a file."""
    if not osp.isfile(path):
        raise ConfigNotFoundError(path)


def load_config(path: str, cfg_options: Optional[dict], work_dir: Optional[str]) -> Config:
    """Read a config file, apply overrides and choose the work dir."""
    check_config_file(path)
    cfg = Config.fromfile(path)
    check_model_options(cfg, cfg_options)
    if cfg_options and 'train_cfg.max_iters' in cfg_options:
        # the schedule follows the run length; explicit keys below still win
        from irtoolbox.engine.runner.schedule_scaling import scale_schedule
        scale_schedule(cfg, cfg_options['train_cfg.max_iters'])
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(path))[0])
    check_output_folder(cfg.work_dir, '--work-dir' if work_dir is not None else 'work_dir')
    check_vis_backends(cfg)
    return cfg


def _init_parameters(type_name: Any) -> Optional[List[str]]:
    """Constructor parameters of a registered model part (None: any keyword is accepted
    or the type is unknown here)."""
    import inspect

    from irtoolbox.registry import MODELS
    cls = MODELS.get(type_name) if isinstance(type_name, str) else type_name
    if not isinstance(cls, type):
        return None
    params = inspect.signature(cls.__init__).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return None
    return [name for name in params if name != 'self']


def _unknown_model_key(cfg: Config, key: str) -> Optional[str]:
    """Why ``key`` (``model.a.b``) names nothing the model reads, or None.

    A key under a part with a ``type`` must be a key of the config or a
    parameter of that class; a new key in a plain dict (``model.train_cfg``)
    that is a parameter of the part above it is misplaced.
    """
    import difflib
    parts = key.split('.')
    node, owner, owner_path = {'model': cfg.get('model')}, None, ''
    for depth, part in enumerate(parts):
        if not isinstance(node, dict):
            return None  # into a list or a value: left to the config merge
        if part in node:
            if 'type' in node:
                owner, owner_path = node, '.'.join(parts[:depth])
            node = node[part]
            continue
        if 'type' in node:
            valid = _init_parameters(node['type'])
            if valid is None:
                return None
            if part in valid:  # a new sub-dict: its first key must not be ours
                inner = parts[depth + 1] if depth + 1 < len(parts) else None
                if inner in valid and inner != part:
                    return (f'--cfg-options {key}: {inner!r} is a parameter of '
                            f'{node["type"]}, not of {part}: did you mean '
                            f'{".".join(parts[:depth] + [inner])}?')
                return None
            close = difflib.get_close_matches(part, sorted(set(valid) | set(node)), n=3)
            return (f'--cfg-options {key}: {node["type"]} has no parameter {part!r}'
                    + (f'; closest: {", ".join(close)}' if close else ''))
        valid = _init_parameters(owner['type']) if owner is not None else None
        if valid and part in valid:
            return (f'--cfg-options {key}: {part!r} is a parameter of {owner["type"]}, '
                    f'not of {".".join(parts[:depth])}: did you mean {owner_path}.{part}?')
        return None
    return None


def check_model_options(cfg: Config, cfg_options: Optional[dict]) -> None:
    """Refuse ``--cfg-options`` keys under ``model.`` that the model would ignore
    (checked against the types the options themselves set, if any)."""
    new_types = {k: v for k, v in (cfg_options or {}).items() if k.endswith('.type')}
    if new_types:
        import copy
        cfg = copy.deepcopy(cfg)
        cfg.merge_from_dict(new_types)
    for key in cfg_options or {}:
        if key.startswith('model.'):
            problem = _unknown_model_key(cfg, key)
            if problem:
                raise KeyError(problem)


#: tool that serves models which restore no image (the degradation density model)
DENSITY_TOOL = 'tools/analysis/sample_degradations.py'


def check_restores_images(cfg: Config, what: str) -> None:
    """Refuse, before anything is built, a model that produces no restored image.

    Restorers (``forward_tensor``) and the latent restorer (``mode='tensor'``)
    return images; the degradation density model (PixelCNN) scores and samples
    degradations, which :data:`DENSITY_TOOL` serves.
    """
    from irtoolbox.models.restorers.density_model import DegradationDensityModel
    from irtoolbox.registry import MODELS
    model_type = cfg.model.get('type')
    model_cls = MODELS.get(model_type) if isinstance(model_type, str) else model_type
    if isinstance(model_cls, type) and issubclass(model_cls, DegradationDensityModel):
        raise ValueError(f'{what} needs a model that restores images; {model_cls.__name__} '
                         f'produces none (it models degradations): use {DENSITY_TOOL} to '
                         'draw its samples')


def check_output_folder(path: Optional[str], flag: str) -> None:
    """Refuse an output folder that exists as a file, before anything is built."""
    if path is not None and osp.exists(path) and not osp.isdir(path):
        raise NotADirectoryError(f'{flag} {path} is a file, not a folder: '
                                 'choose a folder (it is created if missing)')


# backend type -> (module it imports, what to install); optional extras of irtoolbox
_OPTIONAL_VIS_BACKENDS = {
    'TensorboardVisBackend': ('tensorboard', 'pip install -e .[tensorboard]'),
    'WandbVisBackend': ('wandb', 'pip install wandb'),
}


def check_vis_backends(cfg: Config) -> None:
    """Refuse a logging backend whose package is missing, before anything is built.

    mmengine would only fail at the first logged scalar, with a traceback.
    """
    import importlib.util
    backends = (cfg.get('visualizer') or {}).get('vis_backends') or []
    for backend in backends:
        name = str(backend.get('type', '')).split('.')[-1]  # 'mmengine.X' names X too
        module, install = _OPTIONAL_VIS_BACKENDS.get(name, (None, None))
        if module is not None and importlib.util.find_spec(module) is None:
            raise ImportError(f'vis_backends asks for {name}, which needs the '
                              f'{module!r} package: {install}')


def setup_launcher(cfg: Config, launcher: str, local_rank: int = 0) -> None:
    """Record the launcher and make distributed runs work without CUDA.

    mmengine's pytorch/slurm launchers call ``torch.cuda.set_device``, which
    fails on CPU-only torch. Without CUDA we initialise a gloo process group
    ourselves before the Runner is built (the Runner then skips its own
    initialisation) and wrap the model without device ids. With CUDA,
    mmengine's own path (NCCL) is kept.
    """
    cfg.launcher = launcher
    if launcher == 'none':
        return
    import torch
    import torch.distributed as dist
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(local_rank)
    for name in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS'):
        # one thread per process unless the user chose: what mmengine's
        # set_multi_processing sets too, there with a UserWarning on every rank
        os.environ.setdefault(name, '1')
    if torch.cuda.is_available():
        # mmengine's default wrapper (DDP without buffer broadcast), named so that
        # the buffer flag below reaches DDP in the spelling the installed torch takes
        wrapper = cfg.get('model_wrapper_cfg') or dict(
            type='MMDistributedDataParallel', broadcast_buffers=False,
            find_unused_parameters=cfg.get('find_unused_parameters', False))
        cfg.model_wrapper_cfg = ddp_buffer_sync_spelling(wrapper)
        return
    if launcher == 'slurm':
        _slurm_env_to_torch_env()
    cfg.env_cfg.setdefault('dist_cfg', {})['backend'] = 'gloo'
    if not dist.is_initialized():
        dist.init_process_group(backend='gloo', rank=int(os.environ['RANK']),
                                world_size=int(os.environ['WORLD_SIZE']))
    wrapper = cfg.get('model_wrapper_cfg') or dict(type='MMDistributedDataParallel')
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = ddp_buffer_sync_spelling(wrapper)


def ddp_buffer_sync_spelling(wrapper: dict) -> dict:
    """``broadcast_buffers`` of a model-wrapper config as the installed torch spells it.

    torch 2.13 deprecates DDP's ``broadcast_buffers`` for ``forward_sync_buffers``
    (a FutureWarning per wrapped module and rank); mmengine's wrappers still pass
    ``broadcast_buffers`` (``MMSeparateDistributedDataParallel`` always, default
    False). Where DDP takes ``forward_sync_buffers``, the value moves there and
    ``broadcast_buffers`` becomes None (no warning). The one difference, buffers
    broadcast once when DDP wraps the model, changes nothing here: every rank
    builds the same model from the same seed, and the Runner broadcasts the
    initialised weights and buffers from rank 0 anyway.
    """
    import inspect

    from torch.nn.parallel import DistributedDataParallel
    if wrapper.get('broadcast_buffers') is None:
        return wrapper
    if 'forward_sync_buffers' not in inspect.signature(DistributedDataParallel).parameters:
        return wrapper  # an older torch: broadcast_buffers is the only spelling
    wrapper = dict(wrapper)
    wrapper['forward_sync_buffers'] = bool(wrapper['broadcast_buffers'])
    wrapper['broadcast_buffers'] = None
    return wrapper


def finish_distributed() -> None:
    """Tear the process group down before the interpreter exits.

    Left to interpreter shutdown, gloo's threads can be destroyed while still
    joinable, which aborts a rank ('terminate called without an active
    exception') after all its work is done and fails the whole torchrun job.
    """
    import torch.distributed as dist
    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


def _slurm_env_to_torch_env() -> None:
    """Translate SLURM's variables into the ones torch.distributed reads."""
    os.environ.setdefault('RANK', os.environ['SLURM_PROCID'])
    os.environ.setdefault('WORLD_SIZE', os.environ['SLURM_NTASKS'])
    os.environ['LOCAL_RANK'] = os.environ.get('SLURM_LOCALID', '0')
    if 'MASTER_ADDR' not in os.environ:
        nodes = os.environ['SLURM_NODELIST']
        first = subprocess.getoutput(f'scontrol show hostname {nodes} | head -n1')
        os.environ['MASTER_ADDR'] = first
    os.environ.setdefault('MASTER_PORT', '29500')


def error_line(tool: str, message: str) -> str:
    """The one format of a user error in every tool, argparse's own: ``TOOL: error: MESSAGE``
    (``TOOL`` the script's file name, e.g. ``infer.py``)."""
    return f'{tool}: error: {message}'


@contextlib.contextmanager
def one_line_errors(tool: str) -> Iterator[None]:
    """Report user errors as one line instead of a traceback.

    Set IRTOOLBOX_DEBUG=1 to see the full traceback.
    """
    if os.environ.get(DEBUG_ENV):
        yield
        return
    try:
        yield
    except KeyboardInterrupt:
        raise
    except (FileNotFoundError, KeyError, TypeError, ValueError, RuntimeError, OSError,
            ImportError) as err:
        message = str(err.args[0]) if isinstance(err, KeyError) and err.args else str(err)
        kind = '' if isinstance(err, ConfigNotFoundError) else f'{type(err).__name__}: '
        print(error_line(tool, f'{kind}{message}') + '\n'
              f'(set {DEBUG_ENV}=1 for the full traceback)', file=sys.stderr)
        sys.exit(1)
