# IDR on the demo: five tasks synthesised on the demo photographs (noise, rain, haze,
# motion blur, low light), a Restormer reduced for CPU (dim 12, one block per level, one
# refinement block). A few minutes on 2 CPU cores:
#   python tools/data/prepare_demo.py
#   python tools/train.py configs/idr/idr_restormer-d12-2e1d-n24_1xb5-400it_demo-five-tasks.py
# Stage 1 (known task's hub) for the first half, stage 2 (predicted mixture) after.
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/schedules/iter_adam.py',
    './_base_/datasets/demo_five_tasks.py',
    './_base_/models/idr_restormer_trimmed.py',
]
max_iters = 400
model = dict(
    backbone=dict(dim=12, num_blocks=(1, 1, 1, 1), num_refinement_blocks=1,
                  plugins=[dict(cfg=dict(type='MetaPriorLearning', num_types=5, num_tokens=24),
                                position=p) for p in ('after_enc1', 'after_enc2', 'after_dec3')]),
    stage_switch_iter=max_iters // 2)
train_cfg = dict(max_iters=max_iters, val_interval=200)
optim_wrapper = dict(optimizer=dict(lr=1e-3))
param_scheduler = [dict(type='CosineAnnealingLR', by_epoch=False, begin=0, T_max=max_iters,
                        eta_min=1e-5)]
default_hooks = dict(logger=dict(interval=50), checkpoint=dict(interval=200))
