# CelebA 64 x 64, multi-level interpolation (DL-Net Sec. IV-A, Table III):
# pixels dropped with rate r ~ U[0, 0.75] in training; test levels r = 15/45/75 %.
_base_ = ['./celeba64_inpainting.py']
interpolation_levels = {
    'r=15%': dict(type='BernoulliMask', drop_range=(0.15, 0.15)),
    'r=45%': dict(type='BernoulliMask', drop_range=(0.45, 0.45)),
    'r=75%': dict(type='BernoulliMask', drop_range=(0.75, 0.75)),
}
train_dataloader = dict(dataset=dict(degradation=dict(
    _delete_=True, type='BernoulliMask', drop_range=(0.0, 0.75))))
test_dataloader = dict(dataset=dict(levels=dict(_delete_=True, **interpolation_levels)))
val_dataloader = test_dataloader
