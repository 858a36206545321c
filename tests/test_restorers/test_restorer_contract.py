"""The Restorer's contracts with its parts (docs/contributing.md).

- a loss is called with the context entries it declares in ``loss_inputs``;
- ``feature_taps`` hands the outputs of matching submodules to the losses;
- a head reads the batch context (padded ``inputs``, unpadded ``lq``, the samples).

The expected values are computed independently of the restorer: the
backbone called directly, the input normalised by hand.
"""
import pytest
import torch
import torch.nn as nn

from irtoolbox.models.batch_context import current_batch_context
from irtoolbox.registry import MODELS
from irtoolbox.structures import RestorationDataSample


@MODELS.register_module(force=True)
class _ContractTapEnergy(nn.Module):
    """Test loss: mean square of every tapped tensor."""
    loss_inputs = ('taps',)

    def forward(self, taps):
        return sum(t.pow(2).mean() for t in taps['body'])


@MODELS.register_module(force=True)
class _ContractInputMean(nn.Module):
    """Test loss: mean of the degraded input and the number of samples."""
    loss_inputs = ('lq', 'data_samples')

    def forward(self, lq, data_samples):
        return lq.mean() + len(data_samples)


@MODELS.register_module(force=True)
class _ContractBadInputs(nn.Module):
    loss_inputs = ('pred', 'depth_map')

    def forward(self, pred, depth):
        return pred.mean()


@MODELS.register_module(force=True)
class _ContractRecordingHead(nn.Module):
    """Test head: records what the batch context held, returns features unchanged."""
    context_reads = ('inputs', 'lq', 'data_samples')

    def forward(self, features):
        context = current_batch_context('_ContractRecordingHead')
        self.seen = (context.inputs, context.lq, context.data_samples)
        return features


def _batch(size=(12, 10)):
    g = torch.Generator().manual_seed(3)
    samples = []
    for _ in range(2):
        sample = RestorationDataSample(metainfo=dict(level=1))
        sample.set_data(dict(gt_img=torch.rand(3, *size, generator=g)))
        samples.append(sample)
    return dict(inputs=[torch.rand(3, *size, generator=g) for _ in range(2)],
                data_samples=samples)


def _model(losses, **kwargs):
    torch.manual_seed(0)
    return MODELS.build(dict(
        type='Restorer', backbone=dict(type='ResidualCNN', mid_channels=4, num_blocks=2),
        losses=losses, data_preprocessor=dict(type='RestorationDataPreprocessor', mean=0.5,
                                              std=0.5, pad_size_divisor=8), **kwargs))


def test_taps_collect_every_matching_submodule_in_forward_order():
    model = _model(dict(energy=dict(type='_ContractTapEnergy')),
                   feature_taps=dict(body='backbone.body.*'))
    data = model.data_preprocessor(_batch(), True)
    losses = model(data['inputs'], data['data_samples'], mode='loss')
    # Independent: run the backbone's blocks by hand on the padded batch.
    x = model.backbone.head(data['inputs'])
    expected = 0
    for block in model.backbone.body:
        x = block(x)
        expected = expected + x.pow(2).mean()
    assert torch.allclose(losses['loss_energy'], expected)
    # The hooks are gone after the step: a plain forward records nothing more.
    with model.capture_taps() as taps:
        pass
    assert taps == {'body': []}
    assert all(not m._forward_hooks for m in model.modules())


def test_loss_reads_the_unpadded_normalised_input_and_the_samples():
    model = _model(dict(lq=dict(type='_ContractInputMean')))
    batch = _batch(size=(12, 10))  # padded to 16 x 16 by the preprocessor
    data = model.data_preprocessor(batch, True)
    assert data['inputs'].shape[-2:] == (16, 16)
    losses = model(data['inputs'], data['data_samples'], mode='loss')
    by_hand = ((torch.stack(batch['inputs']) - 0.5) / 0.5).mean() + 2
    assert torch.allclose(losses['loss_lq'], by_hand, atol=1e-6)


def test_unknown_loss_input_fails_at_build_naming_the_loss():
    with pytest.raises(ValueError, match=r"loss 'bad' \(_ContractBadInputs\).*depth_map"):
        _model(dict(bad=dict(type='_ContractBadInputs')))


def test_tap_pattern_matching_nothing_names_the_tap():
    model = _model(dict(energy=dict(type='_ContractTapEnergy')),
                   feature_taps=dict(body='backbone.nothing_here.*'))
    data = model.data_preprocessor(_batch(), True)
    with pytest.raises(KeyError, match="feature_taps\\['body'\\]"):
        model(data['inputs'], data['data_samples'], mode='loss')


def test_head_that_reads_the_batch_gets_inputs_and_samples_in_every_mode():
    model = _model(dict(l1=dict(type='L1Loss')), head=dict(type='_ContractRecordingHead'))
    data = model.data_preprocessor(_batch(), True)
    for mode in ('loss', 'predict'):
        model.head.seen = None
        model(data['inputs'], data['data_samples'], mode=mode)
        inputs, lq, samples = model.head.seen
        assert inputs is data['inputs']
        # lq: the unpadded images (12 x 10 padded to 16 x 16 by the preprocessor)
        assert inputs.shape[-2:] == (16, 16) and lq.shape[-2:] == (12, 10)
        assert torch.equal(lq, inputs[..., :12, :10])
        assert [s.metainfo['level'] for s in samples] == [1, 1]


@pytest.mark.parametrize('name, pattern, expected', [
    ('backbone.body.0', 'backbone.body.*', True),
    ('backbone.body.0.conv1', 'backbone.body.*', False),
    ('backbone.body.0.conv1', 'backbone.**.conv1', True),
    ('backbone.conv1', 'backbone.**.conv1', True),
    ('backbone.fdm.fd_layers.2', 'backbone.**.fd_layers.*', True),
    ('backbone.fdm.fd_layers_x.2', 'backbone.**.fd_layers.*', False),
    ('head', 'backbone.**', False),
])
def test_module_name_patterns_match_name_by_name(name, pattern, expected):
    from irtoolbox.models.restorers.restorer import module_name_matches
    assert module_name_matches(name, pattern) is expected


@MODELS.register_module(force=True)
class _ContractUnknownReader(nn.Module):
    """Test head declaring a context entry that does not exist."""
    context_reads = ('inputs', 'depth_map')

    def forward(self, features):
        return features


def test_a_part_declaring_an_unknown_context_entry_fails_at_build_naming_it():
    with pytest.raises(ValueError, match=r"head \(_ContractUnknownReader\) declares "
                       r"context_reads \['depth_map'\]"):
        _model(dict(l1=dict(type='L1Loss')), head=dict(type='_ContractUnknownReader'))


def test_no_module_keeps_the_context_after_the_forward():
    """The context lives for one forward: none is active afterwards and no module
    holds one (nothing is written onto modules)."""
    from irtoolbox.models.batch_context import optional_batch_context
    model = _model(dict(l1=dict(type='L1Loss')), head=dict(type='_ContractRecordingHead'))
    data = model.data_preprocessor(_batch(), True)
    model(data['inputs'], data['data_samples'], mode='loss')
    assert optional_batch_context() is None
    with pytest.raises(RuntimeError, match='_ContractRecordingHead reads the batch'):
        model.head(torch.zeros(1))
    assert not any('batch_context' in vars(m) for m in model.modules())
