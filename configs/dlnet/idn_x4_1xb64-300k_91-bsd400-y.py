# IDN (4 DBlocks) x4, features at low resolution with a bicubic global skip
# (DL-Net Sec. IV-E), trained on bicubic downsampling only (u = 0): the
# reference rows of Tables XII-XIV. h (in the head, K = 1: exactly the
# reference network) = activation + 17x17 transposed conv of stride 4 + bicubic skip.
_base_ = [
    '../_base_/default_runtime.py',
    './_base_/schedules/adam_1e-3_300k.py',
    './_base_/datasets/sisr_x4_91-bsd400_y.py',
]
model = dict(
    type='Restorer',
    backbone=dict(type='IDN', scale=4, with_output_layer=False),
    head=dict(type='LikelihoodHead', num_steps=1,
              output_layer=dict(in_channels=64, out_channels=1,
                                act_cfg=dict(type='LeakyReLU', negative_slope=0.05),
                                conv_type='deconv', kernel_size=17, stride=4, padding=8,
                                output_padding=3, global_skip='bicubic')),
    losses=dict(rec=dict(type='MSELoss', loss_weight=1.0)),
    data_preprocessor=dict(type='RestorationDataPreprocessor'),
)
optim_wrapper = dict(optimizer=dict(weight_decay=0.0))
