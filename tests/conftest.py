"""Shared fixtures: paths of the repository and small demo data built once."""
import importlib.util
import os
import os.path as osp
import socket
import subprocess
import sys

import pytest

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
DEMO_CONFIG = osp.join(REPO_ROOT, 'configs', 'demo',
                       'residualcnn_c32b4_1xb8-400it_demo-blur-noise-jpeg.py')


def load_tool_module(relpath: str):
    """Import a script of tools/ (``'tools/model_converters/x.py'``) as a module."""
    name = osp.splitext(osp.basename(relpath))[0]
    spec = importlib.util.spec_from_file_location(name, osp.join(REPO_ROOT, relpath))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_tool(args, cwd=None, env=None, timeout=300, check=True):
    """Run a tools/ script (or any command) in a subprocess; return the result.

    Output is captured; on an unexpected exit code the output is shown.
    """
    full_env = dict(os.environ)
    full_env.setdefault('OMP_NUM_THREADS', '1')
    full_env.update(env or {})
    proc = subprocess.run(args, cwd=cwd or REPO_ROOT, env=full_env, capture_output=True,
                          text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f'{args} exited {proc.returncode}\nSTDOUT:\n{proc.stdout[-4000:]}'
                             f'\nSTDERR:\n{proc.stderr[-6000:]}')
    return proc


def free_port() -> int:
    """A TCP port free on the loopback now, for a torchrun rendezvous."""
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def reliability_helpers():
    """The reliability end-to-end test module (its kill -9 hook, tool runner and
    ``kill9_resume_matches``), loaded by path for the paper folders' tool tests."""
    import importlib.util
    path = osp.join(REPO_ROOT, 'tests', 'test_reliability', 'test_reliability_tools_e2e.py')
    spec = importlib.util.spec_from_file_location('reliability_tools_e2e', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='session')
def demo_data(tmp_path_factory):
    """data/demo made by the real prepare_demo tool, at a small size."""
    out = tmp_path_factory.mktemp('demo') / 'demo'
    run_tool([sys.executable, 'tools/data/prepare_demo.py', '--out', str(out), '--size', '64'])
    return out
