# The released IDR network at the width of the released inference.py (dim 24, 7,887,130
# parameters): the config a checkpoint loaded by inference.py converts into
# (tools/model_converters/idr_released.py). Recipe as idr_released-d30_1xb7-480k_five-task.py.
_base_ = ['./idr_released-d30_1xb7-480k_five-task.py']
model = dict(backbone=dict(dim=24))
