# Table 2 placement '3E' (after encoder levels 1-3, the released code's) on the demo
# (README.md, "Reproduction").
_base_ = ['./idr_restormer-d12-2e1d-n24_1xb5-400it_demo-five-tasks.py']
model = dict(backbone=dict(plugins=[dict(cfg=dict(type='MetaPriorLearning', num_types=5,
                                                  num_tokens=24), position=p)
                                    for p in ('after_enc1', 'after_enc2', 'after_enc3')]))
