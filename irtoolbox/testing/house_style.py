"""The house-style checks of ``docs/contributing.md`` ("A part"), as a library.

irtoolbox's own suite runs :func:`house_style_problems` on every registered
part (``tests/test_models/test_all_parts.py``); an extension package (a
third-party package that registers parts, ``docs/plugins.md``) can run it on
its own classes the same way::

    from irtoolbox.testing import house_style_problems
    assert not house_style_problems(MyBackbone)

The rules: subclass mmengine's ``BaseModule`` and take ``init_cfg`` (data
preprocessors excepted: mmengine wants its ``BaseDataPreprocessor``), no
dict/list/set default arguments, a ``forward`` docstring, and an ``Args:``
entry naming its default for every argument that has one.
"""
import inspect
import re
from typing import Dict, List

from mmengine.model import BaseDataPreprocessor, BaseModule


def init_params(cls: type) -> List[inspect.Parameter]:
    """The named parameters of ``cls.__init__`` (``self``, ``*args``, ``**kwargs`` left out)."""
    return [p for p in inspect.signature(cls.__init__).parameters.values()
            if p.name != 'self' and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]


def args_entries(cls: type) -> Dict[str, str]:
    """``{argument name: its text}`` from the ``Args:`` section of the class docstring."""
    doc = inspect.getdoc(cls) or ''
    match = re.search(r'^Args:\n(.*?)(?:^\S|\Z)', doc, flags=re.S | re.M)
    entries: Dict[str, str] = {}
    current = None
    for line in (match.group(1) if match else '').splitlines():
        head = re.match(r'^    (\w+)(?: \([^)]*\))?:(.*)', line)
        if head:
            current = head.group(1)
            entries[current] = head.group(2)
        elif current is not None:
            entries[current] += ' ' + line.strip()
    return entries


def house_style_problems(cls: type) -> List[str]:
    """What a part's class breaks of docs/contributing.md's "A part" rules.

    Args:
        cls: the class of a model part (backbone, plugin, layer, head, loss...).

    Returns:
        One message per broken rule, naming the class; empty when it follows them.
    """
    name, params, problems = cls.__name__, init_params(cls), []
    if not issubclass(cls, BaseDataPreprocessor):  # mmengine's own base class
        if not issubclass(cls, BaseModule):
            problems.append(f'{name} must subclass mmengine BaseModule')
        if 'init_cfg' not in [p.name for p in params]:
            problems.append(f'{name} must take init_cfg')
    mutable = [p.name for p in params if isinstance(p.default, (dict, list, set))]
    if mutable:
        problems.append(f'{name}: mutable default arguments {mutable}')
    if not (cls.forward.__doc__ or '').strip():  # getdoc would inherit nn.Module's
        problems.append(f'{name}.forward has no docstring')
    entries = args_entries(cls)
    undocumented = [p.name for p in params if p.name not in entries]
    if undocumented:
        problems.append(f'{name}: Args: has no entry for {undocumented}')
    no_default = [p.name for p in params if p.default is not p.empty and p.name in entries
                  and 'default' not in entries[p.name].lower()]
    if no_default:
        problems.append(f'{name}: Args: entries that do not name their default: {no_default}')
    return problems
