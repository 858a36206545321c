# VDSR (20 convs, 64 channels) x4 with DL-Net's likelihood head (K = 5), trained on blur widths
# u in [0, 3] (Tables XII-XIV, "DL-Net" rows). W of each sample is its recorded
# blur + bicubic downsampling. gamma is not given for SISR in the paper: 1e-3.
_base_ = ['./vdsr_x4_1xb64-300k_91-bsd400-y.py']
# DL-Net's larger training patches (Sec. IV-D): 40 x 40 low resolution
train_dataloader = dict(dataset=dict(degradation=dict(kernel=dict(sigma_range=(0.0, 3.0))),
                                     dataset=dict(pipeline={{_base_.train_pipeline_dlnet}})))
model = dict(head=dict(num_steps=5, step_size=1e-3))
