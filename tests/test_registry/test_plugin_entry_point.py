"""A throwaway package, really installed by pip into a folder, exposes a
backbone through the ``irtoolbox.plugins`` entry point; a config without
``custom_imports`` uses it, in a fresh interpreter."""
import subprocess
import sys
import textwrap

from conftest import DEMO_CONFIG, REPO_ROOT, run_tool

SETUP_PY = '''
from setuptools import setup
setup(name='irtoolbox-throwaway-plugin', version='0.0.1', py_modules=['throwaway_plugin'],
      entry_points={'irtoolbox.plugins': ['throwaway = throwaway_plugin']})
'''

PLUGIN = '''
import torch.nn as nn
from irtoolbox.registry import MODELS


@MODELS.register_module()
class EntryPointNet(nn.Module):
    def __init__(self, channels=3):
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x):
        return x + self.conv(x)
'''


def _install_plugin(tmp_path):
    source = tmp_path / 'src'
    source.mkdir()
    (source / 'setup.py').write_text(SETUP_PY)
    (source / 'throwaway_plugin.py').write_text(PLUGIN)
    site = tmp_path / 'site'
    subprocess.run([sys.executable, '-m', 'pip', 'install', '--quiet', '--no-deps', '--no-index',
                    '--no-build-isolation', '--target', str(site), str(source)], check=True)
    return site


def test_entry_point_plugin_builds_from_a_config_without_custom_imports(tmp_path):
    site = _install_plugin(tmp_path)
    assert list(site.glob('*.dist-info/entry_points.txt'))
    config = tmp_path / 'entry_point_config.py'
    config.write_text(textwrap.dedent(f'''
        _base_ = ['{DEMO_CONFIG}']
        model = dict(backbone=dict(_delete_=True, type='EntryPointNet'))
    '''))
    code = textwrap.dedent(f'''
        from mmengine.config import Config
        from irtoolbox.registry import MODELS
        cfg = Config.fromfile({str(config)!r})
        assert 'custom_imports' not in cfg
        model = MODELS.build(cfg.model)
        print(type(model.backbone).__name__, type(model.backbone).__module__)
    ''')
    proc = run_tool([sys.executable, '-c', code], env=dict(PYTHONPATH=f'{site}:{REPO_ROOT}'))
    assert proc.stdout.split() == ['EntryPointNet', 'throwaway_plugin']


def test_without_the_plugin_the_type_is_unknown(tmp_path):
    code = ('from irtoolbox.registry import MODELS\n'
            'MODELS.build(dict(type="EntryPointNet"))')
    proc = run_tool([sys.executable, '-c', code], check=False)
    assert proc.returncode != 0 and "Unknown model type 'EntryPointNet'" in proc.stderr
