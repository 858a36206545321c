# Baseline: the same trimmed Restormer without SDAM / meta-prior learning, same data
# and schedule (L1 only).
_base_ = ['./idr_restormer-d32-2e1d-n24_1xb8-300k_five-task.py']
model = dict(
    _delete_=True,
    type='Restorer',
    backbone=dict(type='Restormer', dim=32, num_blocks=(2, 3, 3, 4), num_refinement_blocks=2,
                  heads=(1, 2, 4, 8)),
    losses=dict(l1=dict(type='L1Loss')),
    test_cfg=dict(keep_input=True))
