# The shared runtime without the restoration picture hook: a density model restores
# nothing (it scores pairs), so there is no pred_img to draw.
_base_ = ['../../_base_/default_runtime.py']
custom_hooks = [
    dict(type='NonFiniteLossGuardHook'),
    dict(type='RNGStateHook'),
]
