# Composition: DL-Net's likelihood head on FDR-Net, multi-level inpainting on
# the demo data. g is FDR-Net cut before its tail conv (BackboneTrunk), z the
# last phase's features; h = the tail 3x3 conv (no activation before it in
# FDR-Net) + the global residual (the input itself).
_base_ = ['./dlnet_contextencoder-k5_1xb16-300it_demo64-inpaint.py']
model = dict(
    backbone=dict(_delete_=True, type='BackboneTrunk', stop_at='tail',
                  backbone=dict(type='FDRNet', mid_channels=16, num_phases=2)),
    head=dict(output_layer=dict(in_channels=16, act_cfg=None, conv_type='conv',
                                kernel_size=3, stride=1, padding=1, bias=True,
                                global_skip='identity')))
