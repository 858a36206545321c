# DL-Net's SISR schedule (Sec. IV-D, "Training process"): Adam, base learning rate
# 1e-3, betas (0.9, 0.999), the rate cut by 10x every 80 epochs, 300 epochs. The
# paper gives no epoch size for SISR (its patches are cut beforehand, their number
# is not stated): 1 epoch = 1000 iterations here, as Sec. IV-A's epochs. No weight
# decay (the paper names none for SISR).
max_iters = 300000
train_cfg = dict(type='ResumableIterBasedTrainLoop', max_iters=max_iters, val_interval=10000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(type='OptimWrapper',
                     optimizer=dict(type='Adam', lr=1e-3, betas=(0.9, 0.999), weight_decay=0.0))
param_scheduler = [dict(type='MultiStepLR', by_epoch=False, milestones=[80000, 160000, 240000],
                        gamma=0.1)]
