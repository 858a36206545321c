# The reference SISR networks of DL-Net Sec. IV-E (VDSR, DRRN, IDN), features at
# low resolution with a bicubic global skip, trained on bicubic downsampling
# only (u = 0): the reference rows of Tables XII-XIV. h (in the head, K = 1:
# exactly the reference network) = activation + 17x17 transposed conv of stride
# ``scale`` + bicubic skip. An experiment file adds the backbone type and scale,
# the activation of h, and the deconv's stride (= scale) and output_padding
# (= scale - 1), next to the dataset base of its scale.
_base_ = [
    '../../../_base_/default_runtime.py',
    '../schedules/adam_1e-3_300ep-step80.py',
]
model = dict(
    type='Restorer',
    backbone=dict(with_output_layer=False),
    head=dict(type='LikelihoodHead', num_steps=1,
              output_layer=dict(in_channels=64, out_channels=1, conv_type='deconv',
                                kernel_size=17, padding=8, global_skip='bicubic')),
    losses=dict(rec=dict(type='MSELoss', loss_weight=1.0)),
    data_preprocessor=dict(type='RestorationDataPreprocessor'),
)
