"""Reference values for tests/test_evaluation/test_metrics_{niqe,lpips,fid}.py.

Not a test: run by hand in a separate environment holding the reference
implementations (they need torchvision, which does not import beside this
repository's CPU torch), then copy the printed numbers into the tests::

    python -m venv /tmp/venvH
    /tmp/venvH/bin/pip install torch==2.14.1 torchvision==0.29.1
    /tmp/venvH/bin/pip install lpips==0.1.4 pytorch-fid==0.3.0 scikit-image scipy
    pip download basicsr==1.4.2 --no-deps -d /tmp/hdl
    tar xzf /tmp/hdl/basicsr-1.4.2.tar.gz -C /tmp/hdl
    pip download pyiqa==0.1.16 --no-deps -d /tmp/hdl
    unzip -q /tmp/hdl/pyiqa-0.1.16-py3-none-any.whl -d /tmp/hdl/pq
    /tmp/venvH/bin/python tests/test_evaluation/perceptual_oracles.py /tmp/hdl/basicsr-1.4.2 \
        /tmp/hdl/pq

NIQE: BasicSR 1.4.2's ``basicsr/metrics/niqe.py`` (a port of the authors'
MATLAB release), run once as released (float32) and once in float64 (its
float32 buffers and resize switched to float64, the MATLAB precision).
LPIPS: the ``lpips`` 0.1.4 package, AlexNet, version 0.1, with seeded weights.
FID: ``pytorch-fid`` 0.3.0's FID InceptionV3 with seeded weights, and its
``calculate_frechet_distance``.
CNNIQA: pyiqa 0.1.16's ``pyiqa/archs/cnniqa_arch.py`` with seeded weights.
"""
import importlib.util
import os
import sys
import types

import numpy as np
import skimage.data
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from seeded_weights import (  # noqa: E402
    ALEX_FEATURE_SHAPES,
    ALEX_WIDTHS,
    seeded_lpips_heads,
    seeded_state_dict,
)

PHOTOS = ('astronaut', 'coffee', 'chelsea', 'camera')


def noisy(image, sigma, seed=0):
    noise = np.random.default_rng(seed).normal(0, sigma, image.shape)
    return np.clip(image + noise, 0, 255).round().astype(np.uint8)


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def basicsr_niqe(root):
    """BasicSR's niqe.py with only the few modules it needs (no compiled ops)."""
    for package in ('basicsr', 'basicsr.metrics'):
        sys.modules[package] = types.ModuleType(package)
    color = load('basicsr.utils.color_util', f'{root}/basicsr/utils/color_util.py')
    utils = types.ModuleType('basicsr.utils')
    utils.bgr2ycbcr = color.bgr2ycbcr
    sys.modules['basicsr.utils'] = utils
    load('basicsr.utils.registry', f'{root}/basicsr/utils/registry.py')
    load('basicsr.utils.matlab_functions', f'{root}/basicsr/utils/matlab_functions.py')
    load('basicsr.metrics.metric_util', f'{root}/basicsr/metrics/metric_util.py')
    return load('basicsr.metrics.niqe', f'{root}/basicsr/metrics/niqe.py')


def niqe_oracles(root):
    niqe = basicsr_niqe(root)
    params = np.load(f'{root}/basicsr/metrics/niqe_pris_params.npz')
    print('NIQE, BasicSR as released (float32):')
    for name in PHOTOS:
        img = getattr(skimage.data, name)()
        img = img[..., ::-1] if img.ndim == 3 else img  # BasicSR takes BGR
        print(' ', name, repr(niqe.calculate_niqe(img, 0, input_order='HWC' if img.ndim == 3
                                                  else 'HW')))
    torch.set_default_dtype(torch.float64)
    torch.FloatTensor = lambda *size: torch.empty(*size)  # its resize buffers, float64 now
    resize = sys.modules['basicsr.utils.matlab_functions'].imresize
    niqe.imresize = lambda img, scale, antialiasing: resize(torch.from_numpy(img), scale,
                                                            antialiasing).numpy()
    to_y = sys.modules['basicsr.metrics.metric_util'].to_y_channel
    for label, mu, cov in (('pristine model', params['mu_pris_param'], params['cov_pris_param']),
                           ('unit model (mu = 0, cov = I)', np.zeros((1, 36)), np.eye(36))):
        print(f'NIQE, BasicSR in float64, {label}:')
        for name in PHOTOS:
            img = getattr(skimage.data, name)()
            # Y of uint8 is exact in float32 once rounded (as MATLAB's rgb2ycbcr(uint8))
            y = to_y(img[..., ::-1])[..., 0] if img.ndim == 3 else img
            y = y.astype(np.float64).round()
            print(' ', name, repr(niqe.niqe(y, mu, cov, params['gaussian_window'])))
    torch.set_default_dtype(torch.float32)


def lpips_oracles():
    import lpips
    model = lpips.LPIPS(net='alex', version='0.1', pnet_rand=True, verbose=False).eval()
    backbone = seeded_state_dict(ALEX_FEATURE_SHAPES, seed=0)
    taps = {0: 'slice1', 3: 'slice2', 6: 'slice3', 8: 'slice4', 10: 'slice5'}
    with torch.no_grad():
        for index, slice_name in taps.items():
            conv = getattr(model.net, slice_name)._modules[str(index)]
            conv.weight.copy_(backbone[f'features.{index}.weight'])
            conv.bias.copy_(backbone[f'features.{index}.bias'])
        for layer, weight in seeded_lpips_heads(ALEX_WIDTHS, seed=0).items():
            model.lins[int(layer[3])].model[1].weight.copy_(weight)
    print('LPIPS alex v0.1, seeded weights (seed 0), crops [:96, :128]:')
    for name in ('astronaut', 'coffee'):
        gt = getattr(skimage.data, name)()[:96, :128]
        for sigma in (5, 20):
            pred = noisy(gt, sigma)
            x, y = (torch.from_numpy(im).permute(2, 0, 1)[None].float() / 127.5 - 1
                    for im in (pred, gt))
            with torch.no_grad():
                print(' ', name, sigma, repr(float(model(x, y).flatten()[0])))


def fid_images():
    """Three 64 x 80 crops of scikit-image photographs (uint8)."""
    return [getattr(skimage.data, name)()[:64, :80] for name in ('astronaut', 'coffee', 'chelsea')]


def fid_oracles():
    import torchvision.models.inception as tv_inception
    from pytorch_fid import fid_score, inception
    keep = tv_inception.Inception3.load_state_dict
    tv_inception.Inception3.load_state_dict = lambda self, state, *args, **kwargs: None
    inception.load_state_dict_from_url = lambda *args, **kwargs: {}  # nothing is downloaded
    model = inception.InceptionV3([inception.InceptionV3.BLOCK_INDEX_BY_DIM[2048]],
                                  resize_input=True, normalize_input=True,
                                  use_fid_inception=True).eval()
    tv_inception.Inception3.load_state_dict = keep
    net = WrappedNames(model)
    shapes = {k: tuple(v.shape) for k, v in net.state_dict().items()}
    net.load_state_dict(seeded_state_dict(shapes, seed=0))
    print('FID InceptionV3, seeded weights (seed 0): sum, norm and first 3 of the features')
    with torch.no_grad():
        for name, img in zip(('astronaut', 'coffee', 'chelsea'), fid_images()):
            x = torch.from_numpy(img).permute(2, 0, 1)[None].float() / 255
            f = model(x)[0].flatten().double()
            print(' ', name, repr(float(f.sum())), repr(float(f.norm())),
                  [repr(float(v)) for v in f[:3]])
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((6, 6)), rng.standard_normal((6, 6))
    print('pytorch-fid calculate_frechet_distance of the test Gaussians:',
          repr(float(fid_score.calculate_frechet_distance(
              np.arange(6.0), a @ a.T + np.eye(6), np.ones(6), b @ b.T + 0.5 * np.eye(6)))))


class WrappedNames(torch.nn.Module):
    """pytorch-fid's blocks under torchvision's names (fc kept for the file's layout)."""

    NAMES = [['Conv2d_1a_3x3', 'Conv2d_2a_3x3', 'Conv2d_2b_3x3', None],
             ['Conv2d_3b_1x1', 'Conv2d_4a_3x3', None],
             ['Mixed_5b', 'Mixed_5c', 'Mixed_5d', 'Mixed_6a', 'Mixed_6b', 'Mixed_6c', 'Mixed_6d',
              'Mixed_6e'],
             ['Mixed_7a', 'Mixed_7b', 'Mixed_7c', None]]

    def __init__(self, model):
        super().__init__()
        for block, names in zip(model.blocks, self.NAMES):
            for layer, name in zip(block, names):
                if name is not None:
                    self.add_module(name, layer)
        self.fc = torch.nn.Linear(2048, 1008)


def cnniqa_oracles(root):
    """pyiqa's CNNIQA module alone (its registry and loader stubbed: nothing downloads)."""
    for package in ('pyiqa', 'pyiqa.utils', 'pyiqa.archs'):
        sys.modules[package] = types.ModuleType(package)
    registry = types.ModuleType('pyiqa.utils.registry')
    registry.ARCH_REGISTRY = types.SimpleNamespace(register=lambda: (lambda cls: cls))
    sys.modules['pyiqa.utils.registry'] = registry
    arch_util = types.ModuleType('pyiqa.archs.arch_util')
    arch_util.get_url_from_name = lambda name: name
    arch_util.load_pretrained_network = None
    sys.modules['pyiqa.archs.arch_util'] = arch_util
    cnniqa = load('pyiqa.archs.cnniqa_arch', f'{root}/pyiqa/archs/cnniqa_arch.py')
    model = cnniqa.CNNIQA(pretrained=None).eval()
    model.load_state_dict(seeded_state_dict(
        {k: tuple(v.shape) for k, v in model.state_dict().items()}, seed=0))
    print('CNNIQA (pyiqa), seeded weights (seed 0), crops [:256, :256], and noisy astronaut:')
    images = {name: getattr(skimage.data, name)()[:256, :256]
              for name in ('astronaut', 'coffee', 'chelsea')}
    images['astronaut+noise20'] = noisy(images['astronaut'], 20)
    with torch.no_grad():
        for name, img in images.items():
            x = torch.from_numpy(img).permute(2, 0, 1)[None].float() / 255
            print(' ', name, repr(float(model(x).flatten()[0])))


if __name__ == '__main__':
    niqe_oracles(sys.argv[1])
    lpips_oracles()
    fid_oracles()
    cnniqa_oracles(sys.argv[2])
