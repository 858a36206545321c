# Table 2 ablation '3E': the three MPLs after encoder levels 1-3 (the released code's placement).
_base_ = ['./idr_restormer-d32-2e1d-n24_1xb8-300k_five-task.py']
mpl_positions = ('after_enc1', 'after_enc2', 'after_enc3')
model = dict(backbone=dict(plugins=[dict(cfg=dict(type='MetaPriorLearning', num_types=5,
                                                  num_tokens=24), position=p)
                                    for p in mpl_positions]))
