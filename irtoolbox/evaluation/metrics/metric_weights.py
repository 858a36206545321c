"""Local weight files of the learned and model-based metrics (LPIPS, FID, NIQE).

Metrics never download at run time: each takes a path, and a missing file
stops the evaluator when it is built with one message naming the file, where
to get it and where to put it (docs/metrics.md lists them all).
"""
import os
from typing import Dict, Optional

import torch

# Where the configs look when no path is given (relative to the working directory).
DEFAULT_DIR = os.path.join('checkpoints', 'metrics')


def resolve_weights(path: Optional[str], default_name: str, what: str, source: str) -> str:
    """The weight file's path; ``FileNotFoundError`` naming the file and its source if absent.

    Args:
        path: the path given in the config; ``None`` means
            ``checkpoints/metrics/<default_name>``.
        default_name: the file's name as published.
        what: what the file holds (for the message).
        source: where to get it (a URL or a package and the path inside it).
    """
    if path is None:
        path = os.path.join(DEFAULT_DIR, default_name)
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f'{what} not found at {path!r}: get {default_name} from {source} and put it there '
            f'(or pass its path); metrics never download weights (docs/metrics.md)')
    return path


def load_state_dict(path: str) -> Dict[str, torch.Tensor]:
    """A plain ``{name: tensor}`` file, loaded with ``weights_only=True`` (no pickled code)."""
    state = torch.load(path, map_location='cpu', weights_only=True)
    for key in ('state_dict', 'params'):  # mmengine / pyiqa checkpoints keep the tensors there
        if isinstance(state, dict) and isinstance(state.get(key), dict):
            state = state[key]
            break
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise TypeError(f'{path} must hold a dict of tensors (a state_dict), '
                        f'got {type(state).__name__}')
    return state


def load_exact(module: torch.nn.Module, state: Dict[str, torch.Tensor], path: str) -> None:
    """Load ``state`` into ``module`` with every key and shape matching, or name the mismatch."""
    own = module.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    if missing or unexpected:
        raise KeyError(f'{path} does not match {type(module).__name__}: missing keys '
                       f'{missing[:5]}{"..." if len(missing) > 5 else ""}, unexpected keys '
                       f'{unexpected[:5]}{"..." if len(unexpected) > 5 else ""}')
    for key, value in state.items():
        if value.shape != own[key].shape:
            raise ValueError(f'{path}: {key} has shape {tuple(value.shape)}, '
                             f'{type(module).__name__} needs {tuple(own[key].shape)}')
    module.load_state_dict(state)
