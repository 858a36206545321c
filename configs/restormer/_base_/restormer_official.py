# The published Restormer (Zamir et al., CVPR 2022; swz30/Restormer `restormer_arch.py`) at the
# released size: dim 48, blocks [4, 6, 6, 8], heads [1, 2, 4, 8], 4 refinement blocks, GDFN
# expansion 2.66, bias-free convolutions, WithBias LayerNorm (26,126,644 parameters). Task files
# change the LayerNorm, the channels and `dual_pixel`. Test protocol of the released test scripts:
# reflect-pad bottom/right to a multiple of 8, run, crop back, clip to [0, 1] (the Restorer's
# data preprocessor pads with pad_mode='reflect' and crops the output back). It includes the
# runtime, so a task file adds only its data.
_base_ = ['../../_base_/default_runtime.py']
model = dict(
    type='Restorer',
    backbone=dict(type='Restormer', in_channels=3, out_channels=3, dim=48,
                  num_blocks=(4, 6, 6, 8), num_refinement_blocks=4, heads=(1, 2, 4, 8),
                  expansion=2.66, bias=False, norm_cfg=dict(type='ChannelLayerNorm', bias=True),
                  dual_pixel=False),
    losses=dict(l1=dict(type='L1Loss')),
    data_preprocessor=dict(type='RestorationDataPreprocessor', pad_size_divisor=8,
                           pad_mode='reflect'),
)

# Training schedule, for fine-tuning from converted weights: the paper's AdamW (0.9, 0.999,
# weight decay 1e-4), lr 3e-4 cosine-decayed to 1e-6 over 300k iterations. Its progressive
# patch sizes (128 -> 384 with shrinking batches) are not reproduced here.
train_cfg = dict(type='ResumableIterBasedTrainLoop', max_iters=300000, val_interval=10000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(
    type='AdamW', lr=3e-4, betas=(0.9, 0.999), weight_decay=1e-4))
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=False, begin=0, T_max=300000, eta_min=1e-6)]
