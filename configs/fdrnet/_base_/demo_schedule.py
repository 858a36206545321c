# A few minutes on 2 CPU cores: 300 iterations of batch 8, Adam 1e-3 with cosine decay
# (the paper's 1e-4 with x0.8 steps every 9000 iterations is for 180k-iteration runs).
max_iters = 300
train_cfg = dict(type='ResumableIterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-3, betas=(0.9, 0.999)))
param_scheduler = [dict(type='CosineAnnealingLR', by_epoch=False, begin=0, T_max=max_iters,
                        eta_min=1e-5)]
