"""Packaging for irtoolbox.

``pip install -e .`` never replaces an installed torch: the requirement is a
lower bound (``torch>=2.1``), so pip keeps whatever build (CPU or CUDA) is
already there. Install torch first, as the README says.
"""
import os.path as osp

from setuptools import find_packages, setup


def read_version() -> str:
    namespace: dict = {}
    with open(osp.join(osp.dirname(__file__), 'irtoolbox', 'version.py')) as f:
        exec(f.read(), namespace)
    return namespace['__version__']


def read_requirements(path: str) -> list:
    with open(osp.join(osp.dirname(__file__), path)) as f:
        lines = [line.strip() for line in f]
    return [line for line in lines if line and not line.startswith(('#', '-r'))]


setup(
    name='irtoolbox',
    version=read_version(),
    description='Image restoration toolbox in the OpenMMLab 2.x style',
    long_description=open(osp.join(osp.dirname(__file__), 'README.md')).read(),
    long_description_content_type='text/markdown',
    packages=find_packages(include=['irtoolbox', 'irtoolbox.*']),
    python_requires='>=3.9',
    install_requires=read_requirements('requirements/runtime.txt'),
    # tiff: streamed (memory-mapped) TIFF in tools/infer.py and restore_image
    extras_require={'tests': read_requirements('requirements/tests.txt'),
                    'tiff': read_requirements('requirements/tiff.txt'),
                    # vis_backends=[dict(type='TensorboardVisBackend')] (docs/config.md)
                    'tensorboard': ['tensorboard'],
                    # tools/deployment/pytorch2onnx.py (docs/inference.md)
                    'onnx': ['onnx', 'onnxruntime'],
                    # MS-SSIM (irtoolbox/evaluation/metrics/ms_ssim.py; docs/metrics.md)
                    'metrics': ['torchmetrics']},
    license='Apache-2.0',
)
