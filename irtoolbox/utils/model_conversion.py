"""Converting published checkpoints into irtoolbox checkpoints.

The function set every script in ``tools/model_converters/`` is built from
(docs/model_zoo.md, "Writing a converter"):

1. :func:`load_source` loads the published file with ``weights_only=True``;
   a file that would run code while unpickling is refused with
   :class:`ConversionError` naming the file (converters offer no unsafe mode).
2. :func:`unwrap_state_dict` takes the state dict out of its container
   (``params``, ``params_ema``, ``state_dict``, ... or a bare state dict) and
   drops ``module.`` prefixes (DataParallel).
3. :func:`map_keys` renames keys with ordered ``(regex, replacement)`` rules;
   the first rule whose pattern matches the whole key wins.
4. :func:`build_model_from_config` builds the config's model through the
   irtoolbox registry; :func:`check_state_dict` compares the converted part
   with the model's part and names the first missing, unexpected or
   mis-shaped key (with both shapes) before anything is loaded or written.
5. :func:`save_converted` writes ``{'meta', 'state_dict'}`` atomically (temp
   file + rename); ``meta`` records the source file name, its sha256 and the
   converter, so a converted file can be traced to the bytes it came from.

:func:`converter_main` strings these together for a script's ``main(argv)``:
it prints the tensors and parameters converted and returns a non-zero exit
status on any mismatch.
"""
import argparse
import hashlib
import os.path as osp
import re
from collections import OrderedDict
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn

from .checkpoint import atomic_write_bytes

#: ``(pattern, replacement)``: ``re.fullmatch(pattern, key)`` then ``match.expand(replacement)``.
Rule = Tuple[str, str]
#: Rules, or a function of the target part (the built module) that returns them.
RuleSource = Union[Sequence[Rule], Callable[[nn.Module], Sequence[Rule]]]

DEFAULT_CONTAINERS = ('params', 'params_ema', 'state_dict', 'model')


class ConversionError(RuntimeError):
    """A source checkpoint cannot be converted into the config's model."""


def sha256_of(path: str, chunk: int = 1 << 20) -> str:
    """Hex sha256 of the file ``path``."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(chunk), b''):
            digest.update(block)
    return digest.hexdigest()


def load_source(path: str) -> Any:
    """``torch.load(path, weights_only=True)`` on CPU; refuses what would run code.

    Raises:
        ConversionError: the file is missing, or unpickling it needs globals
            outside torch's weights-only set (the message names the file).
    """
    if not osp.isfile(path):
        raise ConversionError(f'{path}: no such file')
    try:
        return torch.load(path, map_location='cpu', weights_only=True)
    except Exception as error:  # weights_only refusals are UnpicklingError
        text = str(error).strip()
        first_line = text.splitlines()[0] if text else type(error).__name__
        raise ConversionError(
            f'Refusing to convert {path}: it cannot be loaded with weights_only=True '
            f'(loading it would run code from the file, or it is not a torch checkpoint): '
            f'{first_line}') from None


def _is_state_dict(obj: Any) -> bool:
    return isinstance(obj, Mapping) and len(obj) > 0 and all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in obj.items())


def unwrap_state_dict(checkpoint: Any, containers: Sequence[str] = DEFAULT_CONTAINERS,
                      source: str = 'checkpoint') -> 'OrderedDict[str, torch.Tensor]':
    """The state dict inside ``checkpoint``: the first of ``containers`` present
    (in that order: a BasicSR file with both ``params`` and ``params_ema``
    gives ``params`` unless the converter asks otherwise), else the checkpoint
    itself if it is a bare state dict; ``module.`` prefixes are removed.

    Raises:
        ConversionError: nothing in it is a ``{str: Tensor}`` state dict.
    """
    state = None
    if isinstance(checkpoint, Mapping):
        for name in containers:
            if _is_state_dict(checkpoint.get(name)):
                state = checkpoint[name]
                break
        if state is None and _is_state_dict(checkpoint):
            state = checkpoint
    if state is None:
        found = list(checkpoint) if isinstance(checkpoint, Mapping) else type(checkpoint).__name__
        raise ConversionError(f'{source}: no state dict under {list(containers)} and not a bare '
                              f'state dict (found {found})')
    return OrderedDict((k[len('module.'):] if k.startswith('module.') else k, v)
                       for k, v in state.items())


def map_keys(state: Mapping[str, torch.Tensor], rules: Sequence[Rule]
             ) -> 'OrderedDict[str, torch.Tensor]':
    """Rename every key by the first rule whose pattern matches it whole.

    A key no rule matches keeps its name (so it shows up as unexpected in
    :func:`check_state_dict` if the model has no such key).

    Raises:
        ConversionError: two source keys map to one name.
    """
    compiled = [(re.compile(pattern), replacement) for pattern, replacement in rules]
    out: 'OrderedDict[str, torch.Tensor]' = OrderedDict()
    origin: Dict[str, str] = {}
    for key, value in state.items():
        new = key
        for pattern, replacement in compiled:
            match = pattern.fullmatch(key)
            if match:
                new = match.expand(replacement)
                break
        if new in out:
            raise ConversionError(f'keys {origin[new]!r} and {key!r} both map to {new!r}')
        out[new], origin[new] = value, key
    return out


def build_model_from_config(config: str, device: Union[str, torch.device] = 'cpu'
                            ) -> nn.Module:
    """The ``model`` of an mmengine config file, built by the irtoolbox registry
    (``device='meta'`` builds shapes only: no memory, no initialisation cost)."""
    from mmengine.config import Config

    from irtoolbox.registry import MODELS
    from irtoolbox.utils import register_all_modules
    register_all_modules()
    try:
        cfg = Config.fromfile(config)
    except Exception as error:  # missing file, syntax error, bad _base_: one line, not a trace
        raise ConversionError(f'{config}: cannot read the config: {error}') from None
    if 'model' not in cfg:
        raise ConversionError(f'{config}: the config has no `model`')
    try:
        with torch.device(device):
            return MODELS.build(cfg.model)
    except Exception as error:
        first_line = (str(error).strip().splitlines() or [''])[0]
        raise ConversionError(f'{config}: cannot build its model: {type(error).__name__}: '
                              f'{first_line}') from None


def get_part(model: nn.Module, part: str, config: str = 'the config') -> nn.Module:
    """``model.<part>`` ('' for the model itself); a clear error if it has none."""
    if not part:
        return model
    try:
        return model.get_submodule(part)
    except AttributeError:
        children = [name for name, _ in model.named_children()]
        raise ConversionError(f'the model of {config} ({type(model).__name__}) has no part '
                              f'{part!r}; its parts are {children}') from None


def check_state_dict(expected: Mapping[str, torch.Tensor], converted: Mapping[str, torch.Tensor],
                     what: str = 'model') -> None:
    """Strict comparison of names and shapes.

    Raises:
        ConversionError: naming the first missing key (in the model's order),
            else the first unexpected key (in the source's order), else the
            first key whose shapes differ, with both shapes; and how many of
            each kind there are.
    """
    missing = [k for k in expected if k not in converted]
    unexpected = [k for k in converted if k not in expected]
    misshaped = [k for k in expected if k in converted
                 and tuple(expected[k].shape) != tuple(converted[k].shape)]
    counts = f'({len(missing)} missing, {len(unexpected)} unexpected, {len(misshaped)} mis-shaped)'
    if missing:
        raise ConversionError(f'{what}: key {missing[0]!r} {tuple(expected[missing[0]].shape)} '
                              f'is missing from the converted weights {counts}')
    if unexpected:
        raise ConversionError(f'{what}: converted key {unexpected[0]!r} '
                              f'{tuple(converted[unexpected[0]].shape)} is unexpected {counts}')
    if misshaped:
        key = misshaped[0]
        raise ConversionError(f'{what}: key {key!r} has shape {tuple(converted[key].shape)} in the '
                              f'converted weights but {tuple(expected[key].shape)} in the model '
                              f'{counts}')


def load_part_strictly(part: nn.Module, state: Mapping[str, torch.Tensor],
                       what: str = 'model') -> None:
    """:func:`check_state_dict`, then ``load_state_dict(strict=True)`` unless the
    part lives on the meta device (shapes only)."""
    check_state_dict(part.state_dict(), state, what)
    if not any(t.is_meta for t in part.state_dict().values()):
        part.load_state_dict(state, strict=True)


def conversion_meta(source: str, converter: str, **extra: Any) -> dict:
    """``meta`` of a converted checkpoint: source file name, sha256, converter."""
    return dict(converted_from=osp.basename(source), source_sha256=sha256_of(source),
                converter=converter, **extra)


def save_converted(path: str, state_dict: Mapping[str, torch.Tensor], meta: dict) -> None:
    """Write ``{'meta': meta, 'state_dict': state_dict}`` to ``path`` atomically
    (a temporary file in the same folder renamed over ``path``)."""
    checkpoint = dict(meta=dict(meta), state_dict=OrderedDict(
        (k, v.detach().cpu().contiguous()) for k, v in state_dict.items()))
    atomic_write_bytes(path, lambda f: torch.save(checkpoint, f))


def count_parameters(state: Mapping[str, torch.Tensor]) -> Tuple[int, int]:
    """(tensors, parameters = elements of the floating-point tensors)."""
    return len(state), sum(v.numel() for v in state.values() if v.is_floating_point())


def convert_part(source: str, model: nn.Module, part: str, rules: RuleSource,
                 containers: Sequence[str] = DEFAULT_CONTAINERS,
                 config: str = 'the config') -> 'OrderedDict[str, torch.Tensor]':
    """Load ``source``, unwrap, map by ``rules`` and load strictly into
    ``model.<part>``. Returns the part's converted state dict, keys prefixed
    with ``part.`` (the names in the whole model)."""
    target = get_part(model, part, config)
    state = unwrap_state_dict(load_source(source), containers, source)
    mapped = map_keys(state, rules(target) if callable(rules) else rules)
    load_part_strictly(target, mapped, f'{source} -> {part or "model"} of {config}')
    prefix = f'{part}.' if part else ''
    return OrderedDict((prefix + k, v) for k, v in mapped.items())


def convert_checkpoints(sources: Sequence[Tuple[str, str, RuleSource]], out: str, config: str,
                        converter: str, containers: Sequence[str] = DEFAULT_CONTAINERS,
                        device: str = 'cpu') -> 'OrderedDict[str, torch.Tensor]':
    """Convert ``(source file, part, rules)`` entries into one irtoolbox
    checkpoint for ``config``'s model, written to ``out`` (nothing is written
    if any source fails). Parts of the model that no source fills are named
    in ``meta['unconverted_parts']`` and printed."""
    model = build_model_from_config(config, device)
    state: 'OrderedDict[str, torch.Tensor]' = OrderedDict()
    metas = []
    for source, part, rules in sources:
        state.update(convert_part(source, model, part, rules, containers, config))
        metas.append(conversion_meta(source, converter, part=part))
    unconverted = sorted({k.split('.')[0] for k in model.state_dict() if k not in state})
    meta = dict(metas[0]) if len(metas) == 1 else dict(converter=converter, sources=metas)
    meta.update(config=osp.basename(config), unconverted_parts=unconverted)
    save_converted(out, state, meta)
    tensors, params = count_parameters(state)
    print(f'{converter}: converted {tensors} tensors, {params:,} parameters -> {out}')
    if unconverted:
        print(f'{converter}: parts of the model NOT in the converted file (left to the config): '
              f'{unconverted}')
    return state


def converter_parser(description: str) -> argparse.ArgumentParser:
    """``IN OUT --config CONFIG``: the arguments every converter takes."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('src', help='published checkpoint (loaded with weights_only=True)')
    parser.add_argument('dst', help='irtoolbox checkpoint to write')
    parser.add_argument('--config', required=True, help='irtoolbox config whose model it fits')
    return parser


def converter_main(argv: Optional[List[str]], converter: str,
                   sources: Callable[[argparse.Namespace], Sequence[Tuple[str, str, RuleSource]]],
                   parser: argparse.ArgumentParser,
                   containers: Sequence[str] = DEFAULT_CONTAINERS) -> int:
    """Parse ``argv``, convert, print; 0 on success, 1 (message on stderr) on
    any :class:`ConversionError`."""
    import sys
    args = parser.parse_args(argv)
    try:
        convert_checkpoints(sources(args), args.dst, args.config, converter, containers)
    except ConversionError as error:
        print(f'{converter}: {error}', file=sys.stderr)
        return 1
    return 0
