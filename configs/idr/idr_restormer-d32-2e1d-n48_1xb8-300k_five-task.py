# Table 3 ablation: prior hub capacity N = 48 (default 24).
_base_ = ['./idr_restormer-d32-2e1d-n24_1xb8-300k_five-task.py']
model = dict(backbone=dict(plugins=[dict(cfg=dict(type='MetaPriorLearning', num_types=5,
                                                  num_tokens=48), position=p)
                                    for p in ('after_enc1', 'after_enc2', 'after_dec3')]))
