"""No function in irtoolbox/models has a mutable default argument (docs/contributing.md,
"A part", rule 3): a dict, list or set literal, or a ``dict()``/``list()``/``set()``
call, as a default is one object shared by every call that uses it."""
import ast
import glob
import os.path as osp

from conftest import REPO_ROOT

MUTABLE_CALLS = ('dict', 'list', 'set')


def mutable_defaults(path: str) -> list:
    tree = ast.parse(open(path, encoding='utf-8').read(), filename=path)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        args = node.args
        for default in [*args.defaults, *[d for d in args.kw_defaults if d is not None]]:
            literal = isinstance(default, (ast.Dict, ast.List, ast.Set, ast.DictComp,
                                           ast.ListComp, ast.SetComp))
            call = (isinstance(default, ast.Call) and isinstance(default.func, ast.Name)
                    and default.func.id in MUTABLE_CALLS)
            if literal or call:
                name = getattr(node, 'name', '<lambda>')
                found.append(f'{osp.relpath(path, REPO_ROOT)}:{default.lineno} in {name}()')
    return found


def test_no_mutable_default_arguments_in_models():
    files = sorted(glob.glob(osp.join(REPO_ROOT, 'irtoolbox', 'models', '**', '*.py'),
                             recursive=True))
    assert files
    found = [hit for path in files for hit in mutable_defaults(path)]
    assert not found, ('mutable default arguments (use None resolved inside, a tuple, or a '
                       'read-only MappingProxyType):\n' + '\n'.join(found))


def test_the_scan_sees_a_mutable_default(tmp_path):
    bad = tmp_path / 'bad.py'
    bad.write_text('def f(a, cfg=dict(type="BN"), *, xs=[]):\n    return a\n')
    assert len(mutable_defaults(str(bad))) == 2
