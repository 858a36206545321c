# IDR on the three-task benchmark (denoise, derain, dehaze): three hubs.
_base_ = [
    '../_base_/default_runtime.py',
    './_base_/schedules/adam_cosine_300k.py',
    './_base_/datasets/three_task_benchmark.py',
    './_base_/models/idr_restormer_trimmed.py',
]
model = dict(backbone=dict(plugins=[dict(cfg=dict(type='MetaPriorLearning', num_types=3,
                                                  num_tokens=24), position=p)
                                    for p in ('after_enc1', 'after_enc2', 'after_dec3')]))
default_hooks = dict(checkpoint=dict(interval=10000))
