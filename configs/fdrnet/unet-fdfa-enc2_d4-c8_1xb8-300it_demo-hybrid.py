# The FD/FA layers in another backbone: pix2pix's U-Net (depth 4, 8 base channels) with an
# FDM -> FAM block (FDFABlock, 3 FD-layers) as a plugin before encoder level 2, trained with
# L1 + SVDO on that block's FD-layers (the same tap pattern finds them).
_base_ = [
    '../_base_/default_runtime.py',
    './_base_/fdrnet_model.py',
    './_base_/demo_hybrid.py',
    './_base_/demo_schedule.py',
]

model = dict(
    backbone=dict(_delete_=True, type='UNetGenerator', in_channels=3, out_channels=3, depth=4,
                  base_channels=8,
                  plugins=[dict(cfg=dict(type='FDFABlock', num_fd_layers=3, ca_reduction=4),
                                position='before_enc2')]),
    data_preprocessor=dict(type='RestorationDataPreprocessor', mean=0.5, std=0.5),
    test_cfg=dict(keep_input=True))
default_hooks = dict(logger=dict(interval=25), checkpoint=dict(interval=300))
