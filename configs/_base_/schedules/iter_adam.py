# Iteration-based schedule: `--cfg-options train_cfg.max_iters=N` shortens it.
train_cfg = dict(type='ResumableIterBasedTrainLoop', max_iters=100000, val_interval=5000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-4, betas=(0.9, 0.999)))
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=False, begin=0, T_max=100000, eta_min=1e-7),
]
