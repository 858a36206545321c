# Composition: DL-Net's likelihood head on pix2pix's U-Net (the InfoAccum
# family's generator), multi-level inpainting on the demo data. g is the U-Net
# cut before its outermost decoder (BackboneTrunk), z = cat(skip, decoder
# features) before the ReLU, h = ReLU + ConvT 2c -> 3 (4x4, stride 2, with
# bias as pix2pix) + Tanh.
_base_ = ['./dlnet_contextencoder-k5_1xb16-300it_demo64-inpaint.py']
model = dict(
    backbone=dict(_delete_=True, type='BackboneTrunk', stop_at='decoders.0',
                  backbone=dict(type='UNetGenerator', depth=4, base_channels=16)),
    head=dict(output_layer=dict(in_channels=32, bias=True, out_act_cfg=dict(type='Tanh'))))
