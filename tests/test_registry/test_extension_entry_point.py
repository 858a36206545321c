"""Extension packages (third-party packages registering parts; "plugin" names only a
module inside a backbone): a package really installed by pip declares one part under
``irtoolbox.extensions`` and one under the deprecated ``irtoolbox.plugins``; a config
without ``custom_imports`` builds both in a fresh interpreter, and only the legacy
group's entry gives a FutureWarning naming it and the new group."""
import subprocess
import sys
import textwrap

from conftest import REPO_ROOT, run_tool

SETUP_PY = '''
from setuptools import setup
setup(name='irtoolbox-throwaway-extension', version='0.0.1',
      py_modules=['new_extension', 'old_extension'],
      entry_points={'irtoolbox.extensions': ['new = new_extension'],
                    'irtoolbox.plugins': ['old = old_extension']})
'''

MODULE = '''
import torch.nn as nn
from irtoolbox.registry import MODELS


@MODELS.register_module()
class {name}(nn.Identity):
    pass
'''


def test_new_group_silent_legacy_group_warns(tmp_path):
    source = tmp_path / 'src'
    source.mkdir()
    (source / 'setup.py').write_text(SETUP_PY)
    (source / 'new_extension.py').write_text(MODULE.format(name='NewGroupNet'))
    (source / 'old_extension.py').write_text(MODULE.format(name='OldGroupNet'))
    site = tmp_path / 'site'
    subprocess.run([sys.executable, '-m', 'pip', 'install', '--quiet', '--no-deps', '--no-index',
                    '--no-build-isolation', '--target', str(site), str(source)], check=True)
    code = textwrap.dedent('''
        import warnings
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always')
            from irtoolbox.registry import MODELS
            new = MODELS.build(dict(type='NewGroupNet'))
            old = MODELS.build(dict(type='OldGroupNet'))
        print(type(new).__module__, type(old).__module__)
        for w in caught:
            if 'entry-point group' in str(w.message):
                print('WARNING', w.category.__name__, w.message)
    ''')
    proc = run_tool([sys.executable, '-c', code], env=dict(PYTHONPATH=f'{site}:{REPO_ROOT}'))
    lines = proc.stdout.strip().splitlines()
    assert lines[0].split() == ['new_extension', 'old_extension']
    warned = lines[1:]
    assert len(warned) == 1, warned
    assert warned[0].startswith('WARNING FutureWarning') and "'old'" in warned[0]
    assert "'irtoolbox.extensions'" in warned[0]
