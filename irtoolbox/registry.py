"""The irtoolbox registries.

There is one child registry, under the scope ``irtoolbox``, for every root
registry of mmengine, so an mmengine ``Runner`` with
``default_scope='irtoolbox'`` finds our parts and still falls back to
mmengine's own (``IterBasedTrainLoop``, ``Adam``, ``LogProcessor``,
``Visualizer`` ...) without the "Failed to search registry with scope
irtoolbox" warning mmengine prints for a tree that has no irtoolbox child.
irtoolbox defines no optimizer, scheduler, log processor, visualizer, vis
backend, runner, strategy or inferencer of its own: those children are empty
and only route lookups to mmengine (its one weight initialiser,
``TFVarianceScaling``, is in the weight-initializer child).

Each registry names the module(s) that define its members in ``locations``:
a lookup imports only those, so a broken optional part never stops an
unrelated config from building (a dataset config does not import the models).

A type name that is not registered fails with the registered names closest to
it, instead of mmengine's bare "X is not in the registry".

This module imports nothing of the package (layers point downwards).
"""
import difflib
import importlib
import warnings
from importlib.metadata import entry_points
from typing import List, Optional, Type

import mmengine.registry as mm
from mmengine.registry import Registry

SCOPE = 'irtoolbox'
#: the entry-point group of extension packages (third-party packages registering parts)
EXTENSION_GROUP = 'irtoolbox.extensions'
#: its former name, still read with a deprecation warning ("plugin" now names only a
#: module inserted into a backbone, docs/plugins.md)
LEGACY_EXTENSION_GROUP = 'irtoolbox.plugins'
_extensions_loaded = False


def load_extensions() -> List[str]:
    """Import every module that an installed extension package declares under the
    ``irtoolbox.extensions`` entry-point group (or the deprecated
    ``irtoolbox.plugins``), once per process.

    A package registers its parts with the irtoolbox registries at import;
    declaring the entry point makes them usable from any config without
    ``custom_imports``. Returns the names of the modules imported.
    """
    global _extensions_loaded
    if _extensions_loaded:
        return []
    _extensions_loaded = True
    imported = []
    for group in (EXTENSION_GROUP, LEGACY_EXTENSION_GROUP):
        for entry in entry_points(group=group):
            if group == LEGACY_EXTENSION_GROUP:
                warnings.warn(f'irtoolbox extension {entry.name!r} ({entry.value}) is declared '
                              f"under the entry-point group '{LEGACY_EXTENSION_GROUP}', which "
                              f"is deprecated: declare it under '{EXTENSION_GROUP}'",
                              FutureWarning, stacklevel=2)
            try:
                importlib.import_module(entry.value.split(':')[0])
            except Exception as err:  # name the package: its traceback alone would not
                raise ImportError(f'irtoolbox extension {entry.name!r} ({entry.value}) failed '
                                  f'to import: {type(err).__name__}: {err}') from err
            imported.append(entry.value)
    return imported


class UnknownTypeError(KeyError):
    """A config names a type that no registry in the chain knows."""

    def __str__(self) -> str:  # KeyError would print the message quoted
        return str(self.args[0])


class SuggestingRegistry(Registry):
    """A registry whose failed lookups name the closest registered types, and
    which imports the installed extension packages before its first lookup."""

    def import_from_location(self) -> None:
        load_extensions()
        super().import_from_location()

    def get(self, key: str) -> Optional[Type]:
        obj_cls = super().get(key)
        if obj_cls is not None or not isinstance(key, str) or '.' in key:
            return obj_cls
        raise UnknownTypeError(self._unknown_message(key))

    def __contains__(self, key: str) -> bool:
        try:
            return super().get(key) is not None
        except UnknownTypeError:
            return False

    def known_names(self) -> List[str]:
        """Names visible from this registry: its own and its ancestors'."""
        self.import_from_location()
        names, registry = set(), self
        while registry is not None:
            names.update(registry.module_dict)
            registry = registry.parent
        return sorted(names)

    def _unknown_message(self, key: str) -> str:
        names = self.known_names()
        close = difflib.get_close_matches(key, names, n=5, cutoff=0.5)
        lowered = [n for n in names if key.lower() in n.lower() and n not in close]
        close += lowered[:5 - len(close)]
        hint = (f' Did you mean: {", ".join(close)}?' if close else
                ' Register it with @' + self.name.upper() +
                '.register_module() and import its module (custom_imports).')
        return f"Unknown {self.name} type '{key}' in the {self.scope} registry.{hint}"


def _child(name: str, parent: Registry, *locations: str) -> SuggestingRegistry:
    return SuggestingRegistry(name, parent=parent, scope=SCOPE, locations=list(locations))


# Roots with irtoolbox members (their lookups import the named packages).
MODELS = _child('model', mm.MODELS, 'irtoolbox.models')
DATASETS = _child('dataset', mm.DATASETS, 'irtoolbox.datasets')
DATA_SAMPLERS = _child('data sampler', mm.DATA_SAMPLERS, 'irtoolbox.datasets')
TRANSFORMS = _child('transform', mm.TRANSFORMS, 'irtoolbox.datasets.transforms')
METRICS = _child('metric', mm.METRICS, 'irtoolbox.evaluation')
HOOKS = _child('hook', mm.HOOKS, 'irtoolbox.engine')
LOOPS = _child('loop', mm.LOOPS, 'irtoolbox.engine')
OPTIM_WRAPPER_CONSTRUCTORS = _child('optimizer wrapper constructor',
                                    mm.OPTIM_WRAPPER_CONSTRUCTORS, 'irtoolbox.engine')

# Roots irtoolbox adds nothing to: children so that lookups in the irtoolbox
# scope reach mmengine's members quietly.
MODEL_WRAPPERS = _child('model_wrapper', mm.MODEL_WRAPPERS)
EVALUATOR = _child('evaluator', mm.EVALUATOR)
OPTIMIZERS = _child('optimizer', mm.OPTIMIZERS)
OPTIM_WRAPPERS = _child('optim_wrapper', mm.OPTIM_WRAPPERS)
PARAM_SCHEDULERS = _child('parameter scheduler', mm.PARAM_SCHEDULERS)
LOG_PROCESSORS = _child('log_processor', mm.LOG_PROCESSORS)
VISUALIZERS = _child('visualizer', mm.VISUALIZERS)
VISBACKENDS = _child('vis_backend', mm.VISBACKENDS)
# mmengine builds init_cfg entries from its root: 'irtoolbox.TFVarianceScaling' reaches this one.
WEIGHT_INITIALIZERS = _child('weight initializer', mm.WEIGHT_INITIALIZERS,
                             'irtoolbox.models.layers.tf_init')
RUNNERS = _child('runner', mm.RUNNERS)
RUNNER_CONSTRUCTORS = _child('runner constructor', mm.RUNNER_CONSTRUCTORS)
STRATEGIES = _child('strategy', mm.STRATEGIES)
TASK_UTILS = _child('task util', mm.TASK_UTILS)
INFERENCERS = _child('inferencer', mm.INFERENCERS)
FUNCTIONS = _child('function', mm.FUNCTIONS)

# Degradation operators are not mmengine objects: they get a root of their own,
# shared by the data pipeline (numpy side) and the models (torch side).
DEGRADATIONS = SuggestingRegistry(
    'degradation', scope=SCOPE, locations=['irtoolbox.degradations'])
