# Demo: 64 x 64 crops of the demo photographs, multi-level interpolation.
_base_ = ['./demo64_inpainting.py']
train_dataloader = dict(dataset=dict(degradation=dict(
    _delete_=True, type='BernoulliMask', drop_range=(0.0, 0.75))))
test_dataloader = dict(dataset=dict(levels=dict(_delete_=True, **{
    f'r={r}%': dict(type='BernoulliMask', drop_range=(r / 100, r / 100)) for r in (15, 45, 75)})))
val_dataloader = dict(dataset=dict(levels=test_dataloader['dataset']['levels']))
