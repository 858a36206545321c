"""The released IDR network against the oracle of the released code.

``../shared/reference/idr_released/`` holds the released ``IDR_restormer``'s
random state dict at dim 8, an input batch and, for stage 1 of each task and
for stage 2, its outputs, losses and per-level intermediates (FACTS.md 4).
Each run converts the released keys, loads them strictly and must match to
1e-5; the parameter counts at dims 30 and 24 are the released ones.
"""
import importlib.util
from pathlib import Path

import pytest
import torch

from irtoolbox.models.backbones.idr_released import IDRReleased
from irtoolbox.models.batch_context import BatchContext
from irtoolbox.models.losses import LevelTypeCELoss, ReleasedSAMLoss

REPO = Path(__file__).resolve().parents[2]
REF = REPO.parent / 'shared' / 'reference' / 'idr_released'
RUNS = [('stage1_denoise_25', 0), ('stage1_derain', 1), ('stage1_dehaze', 2),
        ('stage1_deblur', 3), ('stage1_delowlight', 4), ('stage2', None)]
TOL = 1e-5

pytestmark = pytest.mark.skipif(not REF.is_dir(), reason='needs ../shared/reference')


def converted_state_dict():
    """The oracle's released state dict renamed by tools/model_converters/idr_released.py."""
    from irtoolbox.utils.model_conversion import map_keys
    spec = importlib.util.spec_from_file_location(
        'idr_released_converter', REPO / 'tools' / 'model_converters' / 'idr_released.py')
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return map_keys(torch.load(REF / 'state_dict.pt'), tool.idr_released_rules())


@pytest.fixture(scope='module')
def released():
    net = IDRReleased(dim=8).eval()
    net.load_state_dict(converted_state_dict(), strict=True)
    return net, torch.load(REF / 'inputs.pt')


def record(net):
    """Forward hooks collecting what the oracle files hold, per level."""
    rec, handles = {}, []

    def keep(name, pick):
        return lambda _m, args, out: rec.setdefault(name, []).append(pick(args, out))

    for block in net.prior_blocks:
        handles += [
            block.register_forward_hook(keep('enc_out', lambda a, o: a[0])),
            block.register_forward_hook(keep('kdp_out', lambda a, o: o)),
            block.SAM.register_forward_hook(keep('sam_feat', lambda a, o: o[0])),
            block.SAM.sam_image.register_forward_hook(keep('sam_images', lambda a, o: o)),
            block.normkey.register_forward_hook(keep('key_norm', lambda a, o: o)),
            block.attn.register_forward_hook(keep('degra_map', lambda a, o: o)),
            block.principle.degradation_classifier.register_forward_hook(
                keep('preds', lambda a, o: o))]
    return rec, handles


def close(ours, ref):
    return (ours - ref).abs().max().item() <= TOL


@pytest.mark.parametrize('name,task_id', RUNS)
def test_matches_released_forward(released, name, task_id):
    net, inputs = released
    ref = torch.load(REF / f'{name}.pt')
    rec, handles = record(net)
    stage = 2 if task_id is None else 1
    task_idx = None if task_id is None else torch.tensor([task_id, task_id])
    with torch.no_grad():
        restored = net(inputs['lq'], stage=stage, task_idx=task_idx)
    for handle in handles:
        handle.remove()
    assert close(restored, ref['restored'])
    for key in ('sam_images', 'enc_out', 'sam_feat', 'key_norm', 'degra_map', 'kdp_out'):
        assert all(close(a, b) for a, b in zip(rec[key], ref[key], strict=True)), key
    assert all(close(a.flatten(1), b) for a, b in zip(rec['preds'], ref['preds'], strict=True))
    sam_loss = ReleasedSAMLoss()(dict(sam=rec['sam_images']), inputs['gt'])
    assert abs(sam_loss - ref['sam_loss']) <= TOL
    l1 = (restored - inputs['gt']).abs().mean()
    total = l1 + sam_loss
    if task_id is not None:
        levels = LevelTypeCELoss().level_losses(rec['preds'], task_idx)
        assert all(abs(a - b) <= TOL for a, b in zip(levels, ref['ohce'], strict=True))
        total = total + 0.01 * sum(levels)
    assert abs(total - ref['total_loss']) <= TOL


def test_stage2_ingredients(released):
    net, _ = released
    ref = torch.load(REF / 'stage2.pt')
    with torch.no_grad():
        ours = net.mixer(net.hub, 2)
    for value, key in zip(ours, ('U', 'S', 'V', 'U_mix', 'V_mix'), strict=True):
        assert close(value, ref[key]), key


def test_batch_context_gives_stage_and_first_label(released):
    """Labels from the AllInOneRestorer's context; stage 1 routes by the first sample."""
    net, inputs = released
    ref = torch.load(REF / 'stage1_deblur.pt')
    context = BatchContext(inputs=inputs['lq'], task_idx=torch.tensor([3, 0]), stage=1)
    with torch.no_grad(), context.active():
        restored = net(inputs['lq'])
    assert close(restored, ref['restored'])


@pytest.mark.parametrize('dim,params', [(30, 12_262_448), (24, 7_887_130)])
def test_parameter_count(dim, params):
    with torch.device('meta'):
        net = IDRReleased(dim=dim)
    tensors = list(net.state_dict().values())
    assert len(tensors) == 446
    assert sum(t.numel() for t in tensors) == params
