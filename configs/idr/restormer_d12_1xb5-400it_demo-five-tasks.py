# The same reduced Restormer without SDAM / meta-prior learning on the demo's five
# tasks, same iterations: the reference of the small-scale reproduction (README.md).
_base_ = ['./idr_restormer-d12-2e1d-n24_1xb5-400it_demo-five-tasks.py']
model = dict(
    _delete_=True,
    type='Restorer',
    backbone=dict(type='Restormer', dim=12, num_blocks=(1, 1, 1, 1), num_refinement_blocks=1,
                  heads=(1, 2, 4, 8)),
    losses=dict(l1=dict(type='L1Loss')),
    test_cfg=dict(keep_input=True))
