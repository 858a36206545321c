"""The irtoolbox registries.

Every registry is a child of mmengine's root registry of the same kind, under
the scope ``irtoolbox``, so an mmengine ``Runner`` with
``default_scope='irtoolbox'`` finds our parts and still falls back to
mmengine's own (``IterBasedTrainLoop``, ``CheckpointHook`` ...).

Each registry names the module(s) that define its members in ``locations``:
a lookup imports only those, so a broken optional part never stops an
unrelated config from building (DESIGN.md section 5).

A type name that is not registered fails with the registered names closest to
it, instead of mmengine's bare "X is not in the registry".

This module imports nothing of the package (layers point downwards).
"""
import difflib
import importlib
from importlib.metadata import entry_points
from typing import List, Optional, Type

from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import EVALUATOR as MMENGINE_EVALUATOR
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import VISBACKENDS as MMENGINE_VISBACKENDS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import Registry

SCOPE = 'irtoolbox'
PLUGIN_GROUP = 'irtoolbox.plugins'
_plugins_loaded = False


def load_plugins() -> List[str]:
    """Import every module that an installed package declares under the
    ``irtoolbox.plugins`` entry-point group, once per process.

    A package registers its parts with the irtoolbox registries at import;
    declaring the entry point makes them usable from any config without
    ``custom_imports``. Returns the names of the modules imported.
    """
    global _plugins_loaded
    if _plugins_loaded:
        return []
    _plugins_loaded = True
    imported = []
    for entry in entry_points(group=PLUGIN_GROUP):
        try:
            importlib.import_module(entry.value.split(':')[0])
        except Exception as err:  # name the plugin: its traceback alone would not
            raise ImportError(f'irtoolbox plugin {entry.name!r} ({entry.value}) failed to '
                              f'import: {type(err).__name__}: {err}') from err
        imported.append(entry.value)
    return imported


class UnknownTypeError(KeyError):
    """A config names a type that no registry in the chain knows."""

    def __str__(self) -> str:  # KeyError would print the message quoted
        return str(self.args[0])


class SuggestingRegistry(Registry):
    """A registry whose failed lookups name the closest registered types, and
    which imports the installed plugins before its first lookup."""

    def import_from_location(self) -> None:
        load_plugins()
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


def _child(name: str, parent: Registry, location: str) -> SuggestingRegistry:
    return SuggestingRegistry(name, parent=parent, scope=SCOPE, locations=[location])


MODELS = _child('model', MMENGINE_MODELS, 'irtoolbox.models')
MODEL_WRAPPERS = _child('model_wrapper', MMENGINE_MODEL_WRAPPERS, 'irtoolbox.models')
DATASETS = _child('dataset', MMENGINE_DATASETS, 'irtoolbox.datasets')
DATA_SAMPLERS = _child('data sampler', MMENGINE_DATA_SAMPLERS, 'irtoolbox.datasets')
TRANSFORMS = _child('transform', MMENGINE_TRANSFORMS, 'irtoolbox.datasets.transforms')
METRICS = _child('metric', MMENGINE_METRICS, 'irtoolbox.evaluation')
EVALUATOR = _child('evaluator', MMENGINE_EVALUATOR, 'irtoolbox.evaluation')
HOOKS = _child('hook', MMENGINE_HOOKS, 'irtoolbox.engine')
LOOPS = _child('loop', MMENGINE_LOOPS, 'irtoolbox.engine')
OPTIM_WRAPPERS = _child('optim_wrapper', MMENGINE_OPTIM_WRAPPERS, 'irtoolbox.engine')
OPTIM_WRAPPER_CONSTRUCTORS = _child('optimizer wrapper constructor',
                                    MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS, 'irtoolbox.engine')
VISUALIZERS = _child('visualizer', MMENGINE_VISUALIZERS, 'irtoolbox.visualization')
VISBACKENDS = _child('vis_backend', MMENGINE_VISBACKENDS, 'irtoolbox.visualization')

# Degradation operators are not mmengine objects: they get a root of their own,
# shared by the data pipeline (numpy side) and the models (torch side).
DEGRADATIONS = SuggestingRegistry(
    'degradation', scope=SCOPE, locations=['irtoolbox.degradations'])
