# Our schedule for the IDR benchmarks (the supplement gives none): Adam 2e-4 with cosine
# decay to 1e-6 over 300k iterations, validation every 10k. The MPL stage switch is at
# 150k (idr_restormer_trimmed.py).
train_cfg = dict(type='ResumableIterBasedTrainLoop', max_iters=300000, val_interval=10000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=2e-4, betas=(0.9, 0.999)))
param_scheduler = [
    dict(type='CosineAnnealingLR', by_epoch=False, begin=0, T_max=300000, eta_min=1e-6),
]
