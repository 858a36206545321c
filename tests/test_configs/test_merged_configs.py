"""The merged configs stay what they were when the config files are refactored.

`merged_configs_before.json` records every config under `configs/` as mmengine
merged it (`Config.fromfile(...).to_dict()`) before the InfoAccum configs were
rewritten on shared per-dataset bases (issue 8, item 6). The test merges each
listed config again and compares it to the record, after applying the changes
that were made on purpose (listed in `EXPECTED_CHANGES`, each with its reason).
A refactoring that moves a line into a base file passes; one that changes a
learning rate, an iteration count or a dataset path fails, naming the key.

Regenerate the record only for a deliberate change to many configs:
`python tests/test_configs/test_merged_configs.py --write` (then review the diff).
"""
import copy
import json
import os.path as osp
import sys

import pytest
from mmengine.config import Config

HERE = osp.dirname(osp.abspath(__file__))
REPO_ROOT = osp.dirname(osp.dirname(HERE))
RECORD = osp.join(HERE, 'merged_configs_before.json')


def canonical(path: str) -> dict:
    """Merge the config at ``path`` (relative to the repository) into plain JSON data.

    Top-level names starting with ``_`` are helper variables of a config file
    (``_adam = dict(...)``) that no Runner reads, so they are left out; tuples
    become lists, as JSON has no tuple.
    """
    cfg = Config.fromfile(osp.join(REPO_ROOT, path)).to_dict()
    cfg = {k: v for k, v in cfg.items() if not k.startswith('_') and k != 'filename'}
    return json.loads(json.dumps(cfg, sort_keys=True))


def all_configs() -> list:
    import glob
    paths = glob.glob(osp.join(REPO_ROOT, 'configs', '**', '*.py'), recursive=True)
    return sorted(osp.relpath(p, REPO_ROOT) for p in paths
                  if '_base_' not in osp.relpath(p, REPO_ROOT).split(osp.sep))


def diff(expected, actual, where='') -> list:
    """Every key path where ``actual`` differs from ``expected``."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        out = []
        for key in sorted(set(expected) | set(actual)):
            if key not in actual:
                out.append(f'{where}.{key}: missing (expected {expected[key]!r})')
            elif key not in expected:
                out.append(f'{where}.{key}: unexpected {actual[key]!r}')
            else:
                out += diff(expected[key], actual[key], f'{where}.{key}')
        return out
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        out = []
        for i, (e, a) in enumerate(zip(expected, actual)):
            out += diff(e, a, f'{where}[{i}]')
        return out
    return [] if expected == actual else [f'{where}: expected {expected!r}, got {actual!r}']


# ---------------------------------------------------------------------------
# Changes made on purpose after the record was taken. Each takes the recorded
# config of one file and returns what it must be now.
# ---------------------------------------------------------------------------


def _is_paper_config(path: str) -> bool:
    """The InfoAccum paper's full-scale configs (Table II/III and the studies), not the demos."""
    return path.startswith('configs/infoaccum/') and 'demo' not in path


def _pix2pix_linear_decay(cfg: dict) -> dict:
    """pix2pix's default schedule (issue 8, item 7): constant LR for the first half of the
    200 epochs, then linear decay to 0, per iteration. Written out here from the recorded
    iteration count, independently of the schedule files."""
    max_iters = cfg['train_cfg']['max_iters']
    cfg['param_scheduler'] = [dict(type='LinearLR', start_factor=1.0, end_factor=0.0,
                                   by_epoch=False, begin=max_iters // 2, end=max_iters)]
    return cfg


def _safe_checkpoint_hook(cfg: dict) -> dict:
    """The default runtime names irtoolbox's own checkpoint hook (issue 8, item 3)."""
    cfg['default_hooks']['checkpoint']['type'] = 'SafeCheckpointHook'
    return cfg


def _norm_cfg_and_named_losses(cfg: dict) -> dict:
    """House style (issue 8, item 1): ``norm='batch'|'instance'|'none'`` became mmcv's
    ``norm_cfg`` (pix2pix's names written out here), and GANRestorer's ``pixel_loss``
    became the entry ``pixel`` of its named ``losses`` (logged ``loss_pixel``)."""
    norms = {'batch': {'type': 'BN'}, 'instance': {'type': 'IN'}, 'none': None}
    model = cfg.get('model', {})
    for part in ('backbone', 'discriminator'):
        if isinstance(model.get(part), dict) and 'norm' in model[part]:
            model[part]['norm_cfg'] = norms[model[part].pop('norm')]
    if 'pixel_loss' in model:
        model['losses'] = {'pixel': model.pop('pixel_loss')}
    return cfg


def _bn_test_mode(train_mode: bool):
    """Issue 8, item 7: the paper configs test with BatchNorm in training mode (per-image
    statistics, pix2pix's default test mode); the demos keep the running statistics."""
    def change(cfg: dict) -> dict:
        cfg['model'].setdefault('test_cfg', {})['bn_train_mode'] = train_mode
        return cfg
    return change


def _infoaccum_gan_demo_schedule(cfg: dict) -> dict:
    """Issue 21 item 7: the InfoAccum GAN demo at 2e-4 for 200 iterations ended below the
    degraded input; it trains at 1e-3 for 1000 and also scores the degraded input's SSIM."""
    for part in ('generator', 'discriminator'):
        cfg['optim_wrapper'][part]['optimizer']['lr'] = 1e-3
    cfg['train_cfg']['max_iters'] = 1000
    cfg['default_hooks']['checkpoint']['interval'] = 1000
    for key in ('val_evaluator', 'test_evaluator'):
        cfg[key] = cfg[key] + [dict(type='SSIM', crop_border=0, pred_key='input_img',
                                    prefix='degraded')]
    return cfg


def _plugin_point_names(cfg: dict) -> dict:
    """Issue 17 part 2: one naming scheme; the U-Net's ``encK`` (before encoder level K)
    is ``before_encK``, and ``enc1`` (the image) is ``input``."""
    backbone = cfg.get('model', {}).get('backbone', {})
    for plugin in backbone.get('plugins', []) if isinstance(backbone, dict) else []:
        old = plugin['position']
        if old.startswith('enc'):
            plugin['position'] = 'input' if old == 'enc1' else 'before_' + old
    return cfg


# (which configs, change, reason)
EXPECTED_CHANGES = [
    (lambda path: True, _plugin_point_names,
     'plugin points renamed to one scheme (issue 17 part 2)'),
    (lambda path: True, _norm_cfg_and_named_losses,
     'parts take norm_cfg; GANRestorer takes losses=dict(pixel=...) instead of pixel_loss'),
    (lambda path: True, _safe_checkpoint_hook,
     'default_runtime.py uses SafeCheckpointHook instead of patching mmengine\'s CheckpointHook'),
    (_is_paper_config, _pix2pix_linear_decay,
     'paper configs train with pix2pix\'s linear decay instead of a constant LR'),
    (_is_paper_config, _bn_test_mode(True), 'paper configs test with per-image BatchNorm'),
    (lambda path: path.startswith('configs/infoaccum/') and 'demo' in path, _bn_test_mode(False),
     'the InfoAccum demos say explicitly that they test with running statistics'),
    (lambda path: path.endswith('ia15k2-subpix-lsgan_1xb2-1000it_demo-blur-noise-jpeg.py'),
     _infoaccum_gan_demo_schedule, 'the InfoAccum GAN demo restores (issue 21 item 7)'),
]

with open(RECORD) as f:
    _RECORD = json.load(f)


def expected_now(path: str) -> dict:
    cfg = copy.deepcopy(_RECORD[path])
    for applies, change, _reason in EXPECTED_CHANGES:
        if applies(path):
            cfg = change(cfg)
    return cfg


@pytest.mark.parametrize('path', sorted(_RECORD))
def test_merged_config_unchanged(path):
    assert osp.isfile(osp.join(REPO_ROOT, path)), f'{path} is in the record but no longer exists'
    problems = diff(expected_now(path), canonical(path))
    assert not problems, f'{path} merges differently:\n' + '\n'.join(problems[:20])


if __name__ == '__main__':
    if sys.argv[1:] != ['--write']:
        sys.exit(__doc__)
    record = {p: canonical(p) for p in all_configs()}
    with open(RECORD, 'w') as f:
        json.dump(record, f, indent=1, sort_keys=True)
        f.write('\n')
    print(f'wrote {len(record)} configs to {RECORD}')
