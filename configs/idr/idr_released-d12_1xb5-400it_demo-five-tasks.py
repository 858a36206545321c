# The released IDR network (IDRReleased) on the demo five-task data, set up like the
# demo table of configs/idr/README.md (dim 12, one block per level, one refinement
# block, batch 5 of 48 px crops, 400 iterations, Adam 1e-3 cosine, stage switch at 200),
# with the released losses and batching: 5 consecutive samples of one task per batch in
# stage 1, one of each task in stage 2 (TaskGroupedSampler; 5 task entries here).
#   python tools/data/prepare_demo.py
#   python tools/train.py configs/idr/idr_released-d12_1xb5-400it_demo-five-tasks.py
_base_ = [
    '../_base_/default_runtime.py',
    '../_base_/schedules/iter_adam.py',
    './_base_/datasets/demo_five_tasks.py',
]
max_iters = 400
stage_switch_iter = max_iters // 2
batch_size = 5
model = dict(
    type='AllInOneRestorer',
    backbone=dict(type='IDRReleased', dim=12, num_blocks=(1, 1, 1, 1), num_refinement_blocks=1,
                  heads=(1, 2, 4, 8), num_tokens=24, num_types=5),
    losses=dict(l1=dict(type='L1Loss'),
                sam=dict(type='ReleasedSAMLoss', loss_weight=1.0),
                cls=dict(type='LevelTypeCELoss', smoothing=0.1, loss_weight=0.01,
                         until_iter=stage_switch_iter)),
    feature_taps=dict(sam='**.sam_image', type_probs='**.degradation_classifier'),
    stage_switch_iter=stage_switch_iter,
    data_preprocessor=dict(type='RestorationDataPreprocessor'),
    test_cfg=dict(keep_input=True),
)
train_dataloader = dict(
    batch_size=batch_size,
    sampler=dict(_delete_=True, type='TaskGroupedSampler', group_size=batch_size,
                 stage2_from_iter=stage_switch_iter, batch_size=batch_size))
train_cfg = dict(max_iters=max_iters, val_interval=200)
optim_wrapper = dict(optimizer=dict(lr=1e-3))
param_scheduler = [dict(type='CosineAnnealingLR', by_epoch=False, begin=0, T_max=max_iters,
                        eta_min=1e-5)]
default_hooks = dict(logger=dict(interval=50), checkpoint=dict(interval=200))
# Stage 1 runs one physics route per batch and no layer reads the attentions' unused
# temperature / qkv tensors, so DDP must allow parameters without gradients.
model_wrapper_cfg = dict(type='MMDistributedDataParallel', find_unused_parameters=True)
