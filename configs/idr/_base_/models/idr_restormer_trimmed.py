# IDR on the trimmed Restormer of the supplement (Sec. 3): channels [32, 64, 128, 256],
# blocks [2, 3, 3, 4], heads [1, 2, 4, 8], 2 refinement blocks; three meta-prior
# learning modules, two in the encoder and one in the decoder ('2E+1D', Table 2),
# hub capacity N = 24 (Table 3), each perceiving through a detached SDAM supervised
# by the degraded input (Sec. 2). Losses: L1 (Restormer's), the SDAM's, and the
# type classifier's (label smoothing 0.1, weight 0.01, the released code's).
num_types = 5
mpl = dict(type='MetaPriorLearning', num_types=num_types, num_tokens=24, use_sdam=True)
# '2E+1D' (MPL_PLACEMENTS in meta_prior.py)
mpl_positions = ('after_enc1', 'after_enc2', 'after_dec3')

model = dict(
    type='AllInOneRestorer',
    backbone=dict(type='Restormer', in_channels=3, out_channels=3, dim=32,
                  num_blocks=(2, 3, 3, 4), num_refinement_blocks=2, heads=(1, 2, 4, 8),
                  expansion=2.66, bias=False, norm_cfg=dict(type='ChannelLayerNorm'),
                  plugins=[dict(cfg=mpl, position=p) for p in mpl_positions]),
    losses=dict(l1=dict(type='L1Loss'),
                sdam=dict(type='SDAMLoss', supervision='degraded', loss_weight=1.0),
                cls=dict(type='DegradationTypeLoss', label_smoothing=0.1, loss_weight=0.01)),
    feature_taps=dict(sdam='**.sdam_image', degradation='**.degradation_classifier'),
    stage_switch_iter=150000,  # half of the 300k schedule (our choice; README)
    data_preprocessor=dict(type='RestorationDataPreprocessor'),
    test_cfg=dict(keep_input=True),
)
