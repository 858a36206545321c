"""Record (or compare) one train-mode loss and one eval-mode prediction of every
demo config's model, for the before/after equivalence of issue 17.

Usage (run with the repository to test on PYTHONPATH and the demo data under
``./data`` of the working directory, from ``tools/data/prepare_demo.py``)::

    python record_forward.py record OUT_DIR [REPO_ROOT]
    python record_forward.py compare BASE_DIR NEW_DIR

Each config's model is built with seed 0 and initialised as the Runner does;
the train batch is the first two samples of its train dataset (seeded), the
eval batch the first sample of its val dataset. Saved per config: every loss
term and the predicted images. LatentRestorer demos run 3 steps with small
prior draws (same override before and after), from random generator weights.
Not a pytest module: a script whose table goes in the issue's note.
"""
import glob
import logging
import os
import os.path as osp
import random
import sys

import numpy as np
import torch


def seed_all(seed: int = 0) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def demo_configs(root: str) -> list:
    return sorted(p for p in glob.glob(osp.join(root, 'configs', '*', '*demo*.py')))


def batch(dataset_cfg: dict, count: int) -> dict:
    from mmengine.dataset import pseudo_collate

    from irtoolbox.registry import DATASETS
    dataset = DATASETS.build(dataset_cfg)
    items = []
    for index in range(count):
        seed_all(100 + index)
        items.append(dataset[index])
    return pseudo_collate(items)


def small_latent(cfg) -> None:
    if cfg.model.get('type') == 'LatentRestorer':
        cfg.model.update(generator_checkpoint=None, num_steps=3, num_prior_samples=16,
                         num_mean_samples=64)


def density_checkpoint(root: str) -> None:
    """The PixelCNN demo checkpoint the NLL latent demos read: seeded random weights
    (written once, then read by both runs)."""
    from mmengine.config import Config

    from irtoolbox.registry import MODELS
    path = 'work_dirs/pixelcnn-cond_b2-c32-mix5_1xb8-400it_demo-jpeg/iter_400.pth'
    if osp.exists(path):
        return
    cfg = Config.fromfile(osp.join(
        root, 'configs/pixelcnn_degradation/pixelcnn-cond_b2-c32-mix5_1xb8-400it_demo-jpeg.py'))
    seed_all(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    os.makedirs(osp.dirname(path), exist_ok=True)
    torch.save(dict(state_dict=model.state_dict(), meta={}), path)


def record_one(path: str) -> dict:
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    from irtoolbox.registry import MODELS
    cfg = Config.fromfile(path)
    init_default_scope('irtoolbox')
    small_latent(cfg)
    seed_all(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    out = {}
    model.train()
    train = cfg.get('train_dataloader') or cfg.get('test_dataloader')
    evaluation = cfg.get('val_dataloader') or cfg.get('test_dataloader')
    data = model.data_preprocessor(batch(train.dataset, 2), True)
    seed_all(1)
    losses = model(**data, mode='loss')
    out.update({k: v.detach().double() for k, v in losses.items()
                if isinstance(v, torch.Tensor)})
    model.eval()
    if evaluation is None:  # a generator trained alone: its samples from the train batch
        evaluation = train
    data = model.data_preprocessor(batch(evaluation.dataset, 2), False)
    seed_all(2)
    with torch.no_grad():
        samples = model(**data, mode='predict')
    for i, sample in enumerate(samples):
        for key, value in sample.to_dict().items() if hasattr(sample, 'to_dict') else ():
            if key.startswith(('pred', 'bpd')):
                out[f'{key}{i}'] = torch.as_tensor(value).detach().double()
    return out


def record(out_dir: str, root: str) -> None:
    os.makedirs(out_dir, exist_ok=True)
    logging.getLogger('mmengine').setLevel(logging.WARNING)
    density_checkpoint(root)
    for path in demo_configs(root):
        name = osp.splitext(osp.basename(path))[0]
        try:
            result = record_one(path)
        except Exception as error:  # recorded: a config that fails is part of the table
            result = {'error': f'{type(error).__name__}: {error}'}
        torch.save(result, osp.join(out_dir, name + '.pt'))
        print(name, 'error' if 'error' in result else 'ok', flush=True)


def compare(base_dir: str, new_dir: str) -> None:
    print(f"{'config':72s} {'entry':14s} max|diff|")
    for path in sorted(glob.glob(osp.join(base_dir, '*.pt'))):
        name = osp.basename(path)
        base = torch.load(path)
        new_path = osp.join(new_dir, name)
        new = torch.load(new_path) if osp.exists(new_path) else {'error': 'missing'}
        for key in sorted(set(base) | set(new)):
            if key == 'error' or key not in base or key not in new:
                print(f'{name[:-3]:72s} {key:14s} {base.get(key, "-")!s:.60} | '
                      f'{new.get(key, "-")!s:.60}')
                continue
            a, b = base[key], new[key]
            diff = 'shape' if a.shape != b.shape else f'{(a - b).abs().max().item():.3g}'
            print(f'{name[:-3]:72s} {key:14s} {diff}')


if __name__ == '__main__':
    if sys.argv[1] == 'record':
        record(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else os.getcwd())
    else:
        compare(sys.argv[2], sys.argv[3])
