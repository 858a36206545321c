# The paper-setting runtime of FDR-Net: the default runtime, the schedule of Sec. 4.3
# (fdrnet_schedule.py) and a checkpoint at every learning-rate decay (9000 iterations).
_base_ = ['../../_base_/default_runtime.py', './fdrnet_schedule.py']
default_hooks = dict(checkpoint=dict(interval=9000))
