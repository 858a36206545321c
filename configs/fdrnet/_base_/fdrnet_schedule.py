# FDR-Net Sec. 4.3: Adam, learning rate 1e-4, x0.8 every 9000 iterations, batch 28 (set in
# the dataset files). The paper gives no iteration count ("about 24 hours" on a 1080Ti);
# 180k iterations (20 decays) is our choice.
max_iters = 180000  # checkpoint every 9000: set in fdrnet_paper_runtime.py
train_cfg = dict(type='ResumableIterBasedTrainLoop', max_iters=max_iters, val_interval=9000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-4, betas=(0.9, 0.999)))
param_scheduler = [dict(type='StepLR', by_epoch=False, step_size=9000, gamma=0.8)]
