# Ablation: the released code's SDAM (MPRNet's use): supervised by the resized clean
# target, input features not detached. The supplement's default is the degraded input
# and a detached input.
_base_ = ['./idr_restormer-d32-2e1d-n24_1xb8-300k_five-task.py']
model = dict(
    backbone=dict(plugins=[dict(cfg=dict(type='MetaPriorLearning', num_types=5, num_tokens=24,
                                         sdam_cfg=dict(detach=False)), position=p)
                           for p in ('after_enc1', 'after_enc2', 'after_dec3')]),
    losses=dict(sdam=dict(supervision='clean')))
