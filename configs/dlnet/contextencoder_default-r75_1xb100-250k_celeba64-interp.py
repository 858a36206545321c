# Autoencoder (Default), the reference interpolation model (Table III): 75 % of
# the pixels removed in training (r = 0.75 only); Autoencoder (Joint) is
# fine-tuned from it.
_base_ = ['./contextencoder_joint_1xb100-500k_celeba64-interp.py']
train_dataloader = dict(dataset=dict(degradation=dict(drop_range=(0.75, 0.75))))
# The reference model: 250 epochs from scratch, x0.1 every 100 epochs (Sec. IV-A).
load_from = None
max_iters = 250000
train_cfg = dict(max_iters=max_iters)
param_scheduler = [dict(type='MultiStepLR', by_epoch=False, milestones=[100000, 200000],
                        gamma=0.1)]
