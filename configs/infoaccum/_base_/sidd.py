# SIDD-Small (denoising), 160 training pairs.
# The InfoAccum paper trains 200 epochs, as pix2pix: at batch size 1, 32000 iterations, with
# pix2pix's learning-rate decay over the second half. Validation and checkpoints every 10 epochs.
# The experiment file adds the model. For a constant learning rate, list
# '../../_base_/schedules/pix2pix_constant-lr.py' in place of the schedule below.
_base_ = ['../../_base_/default_runtime.py', '../../_base_/datasets/sidd_small-validation.py',
          '../../_base_/schedules/pix2pix_linear-decay_sidd.py']
train_cfg = dict(max_iters=32000, val_interval=1000)
default_hooks = dict(checkpoint=dict(interval=1000))
