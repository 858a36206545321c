# RESIDE ITS (dehazing), 13990 training pairs.
# The InfoAccum paper trains 200 epochs, as pix2pix: at batch size 1, 2798000 iterations, with
# pix2pix's learning-rate decay over the second half. Validation and checkpoints every 10 epochs.
# The experiment file adds the model. For a constant learning rate, list
# '../../_base_/schedules/pix2pix_constant-lr.py' in place of the schedule below.
_base_ = ['../../_base_/default_runtime.py', '../../_base_/datasets/reside_its-sots-indoor.py',
          '../../_base_/schedules/pix2pix_linear-decay_reside.py']
train_cfg = dict(max_iters=2798000, val_interval=139000)
default_hooks = dict(checkpoint=dict(interval=139000))
