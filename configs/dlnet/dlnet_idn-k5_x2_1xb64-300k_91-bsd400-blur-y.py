# IDN (4 DBlocks) x2 with DL-Net's likelihood head (K = 5), trained on blur widths
# u in [0, 3] (Tables XII-XIV, "DL-Net" rows). W of each sample is its recorded
# blur + bicubic downsampling. gamma is not given for SISR in the paper: 1e-3.
_base_ = ['./idn_x2_1xb64-300k_91-bsd400-y.py']
train_blur = (0.0, 3.0)
train_dataloader = dict(dataset=dict(pipeline=[
    dict(type='LoadImageFromFile', key='gt', channel_order='rgb'),
    dict(type='RandomCrop', crop_size=96, keys=('gt', )),
    dict(type='Flip', keys=('gt', ), flip_ratio=0.5, direction='horizontal'),
    dict(type='RandomTranspose', keys=('gt', ), transpose_ratio=0.5),
    dict(type='ToYChannel', keys=('gt', )),
    dict(type='Degrade', degradation=dict(type='Downsample', scale=2,
                                          kernel=dict(sigma_range=train_blur)),
         in_key='gt', out_key='img'),
    dict(type='PackInputs'),
]))
model = dict(head=dict(num_steps=5, step_size=1e-3))
