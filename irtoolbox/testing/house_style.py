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
from types import MappingProxyType
from typing import Any, Dict, List, Optional, Tuple

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


_NOT_PARSED = object()


def _documented_value(entry: str) -> Any:
    """The value after "Default:" in an ``Args:`` entry, or ``_NOT_PARSED``.

    Only a Python literal or a ``dict(...)`` call is read (in ````double
    backticks```` or as the first word); prose ("LeakyReLU(0.05)", "its
    defaults") is not guessed at.
    """
    match = re.search(r'Default:\s*(``(.+?)``|(\S+?))(?:[.,;]?\s|[.,;]?$|\s*\()', entry + ' ')
    if not match:
        return _NOT_PARSED
    text = match.group(2) or match.group(3)
    try:  # dict(...) and literals only: no builtins reach the expression
        return eval(text, {'__builtins__': {}}, {'dict': dict, 'True': True,  # noqa: S307
                                                 'False': False, 'None': None})
    except Exception:  # prose, a name, an expression: not a checkable value
        return _NOT_PARSED


def _plain(value: Any) -> Any:
    """A read-only mapping as a dict, a list as a tuple, for comparing."""
    if isinstance(value, MappingProxyType):
        return dict(value)
    return tuple(value) if isinstance(value, list) else value


def default_mismatches(cls: type) -> List[Tuple[str, Any, Optional[Any]]]:
    """Arguments whose ``Args:`` "Default:" differs from ``inspect.signature``.

    Args:
        cls: the class of a model part.

    Returns:
        ``(argument, documented value, signature default)`` for every argument
        whose documented default reads as a Python value different from the
        real one (issue 17, part 5: a documented default that is not the
        signature's is a lie to the reader). Entries in prose are skipped.
    """
    entries, found = args_entries(cls), []
    for param in init_params(cls):
        if param.default is param.empty or param.name not in entries:
            continue
        documented = _documented_value(entries[param.name])
        if documented is not _NOT_PARSED and _plain(documented) != _plain(param.default):
            found.append((param.name, documented, param.default))
    return found
