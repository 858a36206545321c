# DL-Net's Joint (rigid-joint) and DL-Net models (Sec. IV-A): 500 epochs, the
# learning rate cut by 10x every 200 epochs, each fine-tuned from the previous
# model (the experiment configs set load_from); loss scale and decay as released
# (adam_released_250ep.py).
_base_ = ['./adam_released_250ep.py']
max_iters = 500000
train_cfg = dict(max_iters=max_iters)
param_scheduler = [dict(type='MultiStepLR', by_epoch=False, milestones=[200000, 400000],
                        gamma=0.1)]
