"""Save and restore the global random states with each checkpoint, for exact resume.

Data randomness is already a pure function of (dataset seed, index, pass) and
the sampler order a pure function of (sampler seed, pass, position), but the
model may draw from the global generators (dropout, noise injection, random
crops inside a model). The state of python ``random``, numpy's global
generator, torch's CPU generator (and CUDA generators when present) and the
train sampler's seed are written to ``checkpoint['rng_state']`` in
``before_save_checkpoint``; on resume they are restored in ``before_train``,
i.e. after the runner has seeded, built and loaded everything, and right
before the first resumed iteration.

All values are plain python ints/tuples and tensors, so the safe loader needs
no extra allowlist entries for them (numpy's state array is stored as an
int64 tensor).
"""
import random
from typing import Any, Dict, Optional

import numpy as np
import torch
from mmengine.hooks import Hook

from irtoolbox.registry import HOOKS

from ..runner.loops import train_sampler

RNG_KEY = 'rng_state'


def get_rng_state(sampler: Any = None) -> Dict[str, Any]:
    """The global random states (and the sampler seed) as checkpoint-safe values."""
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    state = dict(
        python=random.getstate(),
        numpy=dict(kind=kind, keys=torch.from_numpy(keys.astype(np.int64)), pos=int(pos),
                   has_gauss=int(has_gauss), cached_gaussian=float(cached)),
        torch=torch.get_rng_state())
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state['cuda'] = torch.cuda.get_rng_state_all()
    if getattr(sampler, 'seed', None) is not None:
        state['sampler_seed'] = int(sampler.seed)
    return state


def set_rng_state(state: Dict[str, Any], sampler: Any = None) -> None:
    """Restore what :func:`get_rng_state` returned."""
    random.setstate(_as_python_state(state['python']))
    npst = state['numpy']
    np.random.set_state((npst['kind'], npst['keys'].numpy().astype(np.uint32), npst['pos'],
                         npst['has_gauss'], npst['cached_gaussian']))
    torch.set_rng_state(state['torch'])
    if 'cuda' in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state['cuda'])
    if 'sampler_seed' in state and hasattr(sampler, 'seed'):
        sampler.seed = state['sampler_seed']


def _as_python_state(value: Any) -> tuple:
    # random.setstate wants tuples; a checkpoint round trip keeps them, but be lenient.
    version, internal, gauss = value
    return int(version), tuple(int(v) for v in internal), gauss


def _train_sampler(runner) -> Optional[Any]:
    return train_sampler(getattr(runner.train_loop, 'dataloader', None))


@HOOKS.register_module()
class RNGStateHook(Hook):
    """Put the random states into checkpoints; restore them on ``--resume``.

    A checkpoint loaded with ``load_from`` only (no resume) does not change the
    random states: fine-tuning starts from the configured seed.
    """

    priority = 'VERY_HIGH'

    def __init__(self) -> None:
        self._pending: Optional[Dict[str, Any]] = None

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint[RNG_KEY] = get_rng_state(_train_sampler(runner))

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        self._pending = checkpoint.get(RNG_KEY)

    def before_train(self, runner) -> None:
        state, self._pending = self._pending, None
        if state is not None and getattr(runner, '_resume', False):
            set_rng_state(state, _train_sampler(runner))
            runner.logger.info('Restored the random states saved with the checkpoint.')
