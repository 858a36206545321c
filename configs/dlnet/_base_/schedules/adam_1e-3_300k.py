# DL-Net Sec. IV-A: Adam, learning rate 1e-3, weight decay 1e-4, the rate cut
# by 10x every 100 epochs (1000 iterations of batch 100 per epoch of 100k images).
train_cfg = dict(type='ResumableIterBasedTrainLoop', max_iters=300000, val_interval=10000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(type='OptimWrapper',
                     optimizer=dict(type='Adam', lr=1e-3, betas=(0.9, 0.999), weight_decay=1e-4))
param_scheduler = [dict(type='MultiStepLR', by_epoch=False, milestones=[100000, 200000],
                        gamma=0.1)]
