# Ablation: no SDAM. The classifier reads the features x themselves; no SDAM loss.
_base_ = ['./idr_restormer-d32-2e1d-n24_1xb8-300k_five-task.py']
model = dict(
    backbone=dict(plugins=[dict(cfg=dict(type='MetaPriorLearning', num_types=5, num_tokens=24,
                                         use_sdam=False), position=p)
                           for p in ('after_enc1', 'after_enc2', 'after_dec3')]),
    losses=dict(_delete_=True, l1=dict(type='L1Loss'),
                cls=dict(type='DegradationTypeLoss', label_smoothing=0.1, loss_weight=0.01)),
    feature_taps=dict(_delete_=True, degradation='**.degradation_classifier'))
