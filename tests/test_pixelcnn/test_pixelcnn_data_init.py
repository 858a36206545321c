"""PixelCNN++'s data-dependent initialisation (openai/pixel-cnn; issue 22).

After the first training-mode forward of a ``data_init=True`` model, each
weight-normalised convolution's output on that batch has per-channel mean 0
and std 1 (0.1 for the second conv of each gated block), computed here from
the layers' outputs; the clean-image condition keeps w = v ~ N(0, 0.05). The
initialisation is reproducible under a seed, saved with the weights, not
repeated after loading them, and not repeated by a kill -9 / --resume run of
tools/train.py; two gloo ranks that initialise on different batches end with
rank 0's parameters.
"""
import os.path as osp

import pytest
import torch
from conftest import REPO_ROOT, free_port, reliability_helpers

from irtoolbox.models.density import ConditionalPixelCNN
from irtoolbox.models.density.pixelcnn_layers import WNConv2d
from irtoolbox.utils.checkpoint import load_checkpoint_file

DEMO = osp.join(REPO_ROOT, 'configs', 'pixelcnn_degradation',
                'pixelcnn-cond_b2-c32-mix5_1xb8-400it_demo-jpeg.py')

SMALL = dict(channels=8, num_blocks=2, num_mix=2, dropout=0.0)


def _batch(seed=1):
    gen = torch.Generator().manual_seed(seed)
    return (torch.rand(4, 3, 10, 10, generator=gen) * 2 - 1,
            torch.rand(4, 3, 10, 10, generator=gen) * 2 - 1)


def _model(seed=0, **kwargs):
    torch.manual_seed(seed)
    model = ConditionalPixelCNN(**{**SMALL, 'data_init': True, **kwargs})
    model.init_weights()
    return model.train()


def _expected_scales(model):
    scales = {}
    for name, module in model.named_modules():
        if isinstance(module, WNConv2d):
            if name.endswith('.cond'):
                scales[name] = None
            elif name.endswith('.conv_out'):
                scales[name] = 0.1
            else:
                scales[name] = 1.0
    return scales


def test_each_layer_has_zero_mean_and_its_scale_on_the_init_batch():
    model = _model()
    outputs = {}
    hooks = [m.register_forward_hook(lambda m, i, o, n=n: outputs.setdefault(n, []).append(o))
             for n, m in model.named_modules() if isinstance(m, WNConv2d)]
    x, cond = _batch()
    model(x, cond)            # the init pass, then the ordinary forward on the same batch
    for hook in hooks:
        hook.remove()
    assert bool(model.data_init_done)
    scales = _expected_scales(model)
    assert sum(s == 0.1 for s in scales.values()) == 4 and len(scales) == 3 + 2 * 3 + 2 * 4 + 1
    for name, scale in scales.items():
        assert len(outputs[name]) == 2, name
        out = outputs[name][1].detach().double()
        module = model.get_submodule(name)
        if scale is None:      # openai's conditioning weights: N(0, 0.05), w = v, no bias
            torch.testing.assert_close(module.g, module.v.flatten(1).norm(dim=1))
            assert torch.equal(module.bias, torch.zeros_like(module.bias))
            assert 0.04 < module.v.std().item() < 0.06
            continue
        mean = out.mean(dim=(0, 2, 3))
        std = ((out - mean.view(1, -1, 1, 1)) ** 2).mean(dim=(0, 2, 3)).sqrt()
        assert mean.abs().max() < 1e-5 * scale * 10, name
        torch.testing.assert_close(std, torch.full_like(std, scale), rtol=1e-4, atol=0,
                                   msg=name)


def test_the_default_model_is_not_initialised_from_data():
    torch.manual_seed(0)
    model = ConditionalPixelCNN(**SMALL)
    model.init_weights()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    model.train()(*_batch())
    assert 'data_init_done' not in before
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_reproducible_with_the_same_seed():
    x, cond = _batch()
    states = []
    for seed in (0, 0, 1):
        model = _model(seed, dropout=0.5)
        torch.manual_seed(seed + 10)  # the init pass's dropout draws from the global RNG
        model(x, cond)
        states.append(model.state_dict())
    assert all(torch.equal(states[0][k], states[1][k]) for k in states[0])
    assert not torch.equal(states[0]['out.g'], states[2]['out.g'])


def test_loaded_weights_are_not_initialised_again():
    x, cond = _batch()
    trained = _model()
    trained(x, cond)
    with torch.no_grad():                   # stands for training after the init
        for p in trained.parameters():
            p.add_(0.01)
    state = {k: v.clone() for k, v in trained.state_dict().items()}
    assert bool(state['data_init_done'])

    resumed = _model(seed=5)
    resumed.load_state_dict(state)          # strict
    resumed(*_batch(seed=2))                # a training forward on another batch
    for key, value in resumed.state_dict().items():
        assert torch.equal(value, state[key]), key

    # weights of a model trained without data_init carry no flag: loading them sets it
    plain = ConditionalPixelCNN(**SMALL)
    plain.init_weights()
    target = _model(seed=6)
    target.load_state_dict(plain.state_dict())
    assert bool(target.data_init_done)
    target(x, cond)
    for key, value in plain.state_dict().items():
        assert torch.equal(target.state_dict()[key], value), key
    # and the flag loads into a model without data_init
    ConditionalPixelCNN(**SMALL).load_state_dict(state)

    # weights saved before the first training step are initialised by it
    fresh = _model(seed=7)
    state = fresh.state_dict()
    again = _model(seed=8)
    again.load_state_dict(state)
    assert not bool(again.data_init_done)
    again(x, cond)
    assert bool(again.data_init_done)


@pytest.mark.slow
def test_tools_train_kill9_resume_does_not_initialise_again(tmp_path, demo_data):
    """A re-run initialisation at the resumed iteration would replace every v, g and
    bias: the resumed weights would then differ from the uninterrupted run's."""
    root = str(demo_data)
    config = tmp_path / 'pixelcnn_data_init.py'
    config.write_text(f"""
_base_ = [{DEMO!r}]
custom_imports = dict(imports=['reliability_killer'], allow_failed_imports=False)
train_dataloader = dict(batch_size=2, dataset=dict(data_root={root!r}))
val_dataloader = dict(dataset=dict(data_root={root!r}))
test_dataloader = val_dataloader
model = dict(density=dict(channels=8, num_blocks=1, num_mix=2, data_init=True))
train_cfg = dict(max_iters=6, val_interval=100000)
default_hooks = dict(checkpoint=dict(interval=2, save_last=True), logger=dict(interval=1000))
custom_hooks = [dict(type='RNGStateHook'), dict(type='SelfKillHook')]
randomness = dict(seed=0, deterministic=True)
log_level = 'WARNING'
""")
    full, _, final = reliability_helpers().kill9_resume_matches(str(config), tmp_path, 6, 3)
    assert bool(final['density.data_init_done'])
    # the init ran in the Runner: the first checkpoint differs from a model's init_weights()
    first = load_checkpoint_file(osp.join(full, 'iter_2.pth'))['state_dict']
    assert bool(first['density.data_init_done'])


def _rank_init(rank, world_size, port, out_dir):
    torch.distributed.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}',
                                         rank=rank, world_size=world_size)
    try:
        model = _model(seed=0)
        model(*_batch(seed=rank))           # each rank initialises on its own batch
        torch.save(model.state_dict(), osp.join(out_dir, f'rank{rank}.pth'))
    finally:
        torch.distributed.destroy_process_group()


@pytest.mark.slow
def test_ranks_agree_after_initialising_on_different_batches(tmp_path):
    torch.multiprocessing.spawn(_rank_init, args=(2, free_port(), str(tmp_path)), nprocs=2)
    states = [torch.load(tmp_path / f'rank{r}.pth') for r in range(2)]
    alone = _model(seed=0)
    alone(*_batch(seed=0))                  # rank 0's batch, one process
    for key, value in states[0].items():
        assert torch.equal(states[1][key], value), key
        # one process vs a spawned rank: thread counts differ, so reductions round differently
        single = alone.state_dict()[key].float()
        assert torch.allclose(single, value.float(), rtol=1e-5, atol=1e-6), key
