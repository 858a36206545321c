# Table 2 ablation '3D': the three MPLs after decoder levels 3, 2, 1.
_base_ = ['./idr_restormer-d32-2e1d-n24_1xb8-300k_five-task.py']
mpl_positions = ('after_dec3', 'after_dec2', 'after_dec1')
model = dict(backbone=dict(plugins=[dict(cfg=dict(type='MetaPriorLearning', num_types=5,
                                                  num_tokens=24), position=p)
                                    for p in mpl_positions]))
