"""Dependencies point one way (issue 17, item 5): ``losses/`` imports nothing from
``restorers/``, ``plugins/`` or ``heads/``. Read from the source's import statements."""
import ast
import glob
import os.path as osp

from conftest import REPO_ROOT

FORBIDDEN = ('irtoolbox.models.restorers', 'irtoolbox.models.plugins', 'irtoolbox.models.heads')


def imported_modules(path: str) -> list:
    """Absolute names of the modules a file imports (relative imports resolved)."""
    package = 'irtoolbox.models.losses'
    names = []
    for node in ast.walk(ast.parse(open(path).read(), path)):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit('.', node.level - 1)[0] if node.level else ''
            module = '.'.join(p for p in (base, node.module or '') if p)
            names += [module] + [f'{module}.{alias.name}' for alias in node.names]
    return names


def test_losses_import_nothing_from_restorers_plugins_or_heads():
    files = sorted(glob.glob(osp.join(REPO_ROOT, 'irtoolbox', 'models', 'losses', '*.py')))
    assert len(files) > 5
    wrong = {osp.basename(f): name for f in files for name in imported_modules(f)
             if name.startswith(FORBIDDEN)}
    assert not wrong, wrong
