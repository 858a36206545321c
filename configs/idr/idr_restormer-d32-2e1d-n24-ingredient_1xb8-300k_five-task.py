# The released code's second stage: ingredient reformulation (SVD of the stacked hubs,
# per-sample re-weighted singular values) instead of the predicted hub mixture. Its
# mixer and ingredient head are idle in stage 1, so DDP must look for unused parameters.
_base_ = ['./idr_restormer-d32-2e1d-n24_1xb8-300k_five-task.py']
model = dict(backbone=dict(plugins=[dict(cfg=dict(type='MetaPriorLearning', num_types=5,
                                                  num_tokens=24, ingredient=True), position=p)
                                    for p in ('after_enc1', 'after_enc2', 'after_dec3')]))
model_wrapper_cfg = dict(type='MMDistributedDataParallel', find_unused_parameters=True)
