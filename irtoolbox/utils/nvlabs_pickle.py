"""Reading NVlabs stylegan2-ada-pytorch network snapshots (``.pkl``) without running them.

A snapshot is a ``pickle.dump`` of a dict (``'G'``, ``'D'``, ``'G_ema'``, ...)
whose networks were reduced by ``torch_utils.persistence`` to calls
``_reconstruct_persistent_obj(meta)``, ``meta = {type, version, module_src,
class_name, state}``; normal unpickling ``exec()``s ``module_src``. Here a
restricted unpickler (reference FACTS.md sec. 6) maps that call to
:class:`PersistentRecord`, which only keeps ``meta`` (``module_src`` stays an
unexecuted string), rebuilds tensors through ``torch.load(weights_only=True)``
and refuses every global outside :data:`ALLOWED` and every persistent id.
The generator is then built from the pickled ``_init_kwargs`` and loaded
strictly with the flat state dict walked out of ``_parameters``,
``_buffers`` and ``_modules``.

Not covered: legacy TensorFlow pickles (``dnnlib.tflib.network.Network``).
"""
import io
import pickle
from collections import OrderedDict
from typing import Any, Callable, Dict, Tuple

import numpy as np
import torch

#: numpy kinds a pickled scalar may have (bool, signed, unsigned, float): never objects
NUMERIC_KINDS = 'biuf'


class NVlabsPickleError(pickle.UnpicklingError):
    """The snapshot holds something the restricted reader will not build."""


class PersistentRecord:
    """What ``_reconstruct_persistent_obj(meta)`` becomes: the meta, as data."""

    def __init__(self, meta: dict) -> None:
        if not isinstance(meta, dict) or meta.get('type') != 'class':
            raise NVlabsPickleError(f'persistent object of unknown form {type(meta).__name__}')
        self.class_name: str = meta.get('class_name')
        self.state: dict = meta.get('state') or {}
        self.module_src: str = meta.get('module_src', '')   # never executed


def _load_storage(data: bytes) -> Any:
    """A storage pickled as a nested legacy ``torch.save`` blob, read safely."""
    return torch.load(io.BytesIO(data), weights_only=True)


def _numpy_scalar(dtype: np.dtype, data: bytes = b'') -> Any:
    """A numpy scalar (e.g. ``weight_gain``) of a numeric dtype only."""
    if not isinstance(dtype, np.dtype) or dtype.kind not in NUMERIC_KINDS:
        raise NVlabsPickleError(f'refused numpy scalar of dtype {dtype!r}')
    return np.frombuffer(data, dtype=dtype, count=1)[0]


def _rebuild_tensor(storage: Any, offset: int, size: tuple, stride: tuple, *args: Any) -> Any:
    return torch._utils._rebuild_tensor_v2(storage, offset, size, stride, *args)


def _rebuild_parameter(data: torch.Tensor, requires_grad: bool, *args: Any) -> torch.Tensor:
    # plain tensors suffice for a state dict; no hooks or state are restored
    return data.detach().requires_grad_(False)


#: (module, name) -> what it becomes; everything else is refused
ALLOWED: Dict[Tuple[str, str], Callable] = {
    ('torch_utils.persistence', '_reconstruct_persistent_obj'): PersistentRecord,
    ('torch._utils', '_rebuild_tensor_v2'): _rebuild_tensor,
    ('torch._utils', '_rebuild_parameter'): _rebuild_parameter,
    ('torch._utils', '_rebuild_parameter_with_state'): _rebuild_parameter,
    ('torch.storage', '_load_from_bytes'): _load_storage,
    ('collections', 'OrderedDict'): OrderedDict,
    ('builtins', 'set'): set,
    ('dnnlib.util', 'EasyDict'): dict,
    ('numpy', 'dtype'): np.dtype,
    ('numpy.core.multiarray', 'scalar'): _numpy_scalar,
    ('numpy._core.multiarray', 'scalar'): _numpy_scalar,
}


class RestrictedUnpickler(pickle.Unpickler):
    """``find_class`` answers only :data:`ALLOWED`; persistent ids are refused."""

    def find_class(self, module: str, name: str) -> Any:
        try:
            return ALLOWED[(module, name)]
        except KeyError:
            raise NVlabsPickleError(f'refused global {module}.{name}') from None

    def persistent_load(self, pid: Any) -> Any:
        raise NVlabsPickleError(f'refused persistent id {pid!r}')


def read_snapshot(path: str) -> Any:
    """The unpickled snapshot of ``path`` (networks as :class:`PersistentRecord`)."""
    with open(path, 'rb') as f:
        try:
            return RestrictedUnpickler(f).load()
        except NVlabsPickleError as err:
            raise NVlabsPickleError(f'{path}: {err}') from None


def flat_state_dict(record: PersistentRecord, prefix: str = '') -> 'OrderedDict[str, Any]':
    """``module.state_dict()`` of a recorded module: parameters, persistent buffers, children."""
    state = record.state
    out: 'OrderedDict[str, Any]' = OrderedDict()
    skip = state.get('_non_persistent_buffers_set') or set()
    for group in ('_parameters', '_buffers'):
        for name, tensor in (state.get(group) or {}).items():
            if tensor is not None and not (group == '_buffers' and name in skip):
                out[prefix + name] = tensor
    for name, child in (state.get('_modules') or {}).items():
        if child is None:
            continue
        if not isinstance(child, PersistentRecord):
            raise NVlabsPickleError(f'submodule {prefix + name} is {type(child).__name__}, '
                                    'not a persistent NVlabs module')
        out.update(flat_state_dict(child, f'{prefix}{name}.'))
    return out


def network_record(path: str, key: str = 'G_ema') -> PersistentRecord:
    """The network ``key`` of the snapshot ``path``."""
    snapshot = read_snapshot(path)
    if not isinstance(snapshot, dict) or key not in snapshot:
        keys = list(snapshot) if isinstance(snapshot, dict) else type(snapshot).__name__
        raise KeyError(f'{path}: no network {key!r} (has {keys})')
    record = snapshot[key]
    if not isinstance(record, PersistentRecord):
        raise NVlabsPickleError(f'{path}: {key} is {type(record).__name__}, not a network')
    return record


#: NVlabs Generator kwargs accepted only at these values (others change the model)
FIXED_KWARGS = {'c_dim': 0, 'architecture': 'skip', 'resample_filter': [1, 3, 3, 1],
                'use_noise': True, 'activation': 'lrelu', 'embed_features': None,
                'layer_features': None, 'kernel_size': 3}
#: NVlabs kwargs that only change speed or memory layout
IGNORED_KWARGS = ('fp16_channels_last', 'channels_last')


def generator_kwargs(init_kwargs: dict) -> dict:
    """``StyleGAN2Generator`` arguments from NVlabs ``Generator`` init kwargs; refuses
    any kwarg it does not know or whose value would change the architecture."""
    flat = {k: v for k, v in init_kwargs.items() if k not in ('mapping_kwargs',
                                                               'synthesis_kwargs')}
    flat.update(init_kwargs.get('mapping_kwargs') or {})
    flat.update(init_kwargs.get('synthesis_kwargs') or {})
    names = {'z_dim': 'z_dim', 'w_dim': 'w_dim', 'img_resolution': 'resolution',
             'img_channels': 'img_channels', 'num_layers': 'mapping_layers',
             'channel_base': 'channel_base', 'channel_max': 'channel_max',
             'num_fp16_res': 'num_fp16_res', 'conv_clamp': 'conv_clamp',
             'lr_multiplier': 'lr_multiplier', 'w_avg_beta': 'w_avg_beta'}
    out = {}
    for key, value in flat.items():
        if key in names:
            out[names[key]] = value
        elif key in FIXED_KWARGS:
            fixed = FIXED_KWARGS[key]
            if value != fixed and not (key == 'embed_features' and value in (None, 0)):
                raise ValueError(f'NVlabs generator kwarg {key}={value!r} is not supported '
                                 f'(only {fixed!r})')
        elif key not in IGNORED_KWARGS:
            raise ValueError(f'NVlabs generator kwarg {key!r} is not supported')
    return out


def load_nvlabs_generator(path: str, key: str = 'G_ema', **overrides: Any) -> torch.nn.Module:
    """A ``StyleGAN2Generator`` built from the snapshot's init kwargs, loaded strictly.

    ``overrides`` (e.g. ``noise_mode='const'``) are passed to the constructor.
    """
    from irtoolbox.models.generators.stylegan2 import StyleGAN2Generator
    record = network_record(path, key)
    if record.class_name != 'Generator':
        raise NVlabsPickleError(f'{path}: {key} is a {record.class_name}, not a Generator')
    kwargs = generator_kwargs(dict(record.state.get('_init_kwargs') or {}))
    generator = StyleGAN2Generator(**kwargs, **overrides)
    generator.load_state_dict(flat_state_dict(record), strict=True)
    return generator.eval()
