# Supplement Table 1 "clean": clean images trained as a sixth task with their own hub.
_base_ = ['./idr_restormer-d32-2e1d-n24_1xb8-300k_five-task.py']
model = dict(backbone=dict(plugins=[dict(cfg=dict(type='MetaPriorLearning', num_types=6,
                                                  num_tokens=24), position=p)
                                    for p in ('after_enc1', 'after_enc2', 'after_dec3')]))
train_dataloader = dict(dataset=dict(tasks={{_base_.train_tasks_with_clean}}))
