# IDR as released (JingHao99/IDR-Ingredients-oriented-Degradation-Reformulation,
# config/IDR-restormer.yml; FACTS.md of ../shared/reference/idr_released): the released
# network (IDRReleased, dim 30, 12,262,448 parameters) and its training recipe.
# - Losses: L1 + the SAM loss summed over the 3 levels (SAM images vs the resized gt)
#   + 0.01 x the label-smoothed (0.9 / 0.025) classification loss summed over the levels,
#   the last one only in stage 1.
# - Adam 1e-4; cosine restarts stepped every iteration: periods 92k / 88k / 172k / 128k,
#   restart weights 1 / 1 / 0.5 / 0.3, minima 2e-5 / 1e-6 / 1e-6 / 1e-6 (480k iterations).
# - 128 x 128 patches, one of the 8 flips / rotations; batches of 7: 7 consecutive
#   samples of one task entry in stage 1, one of each of the 7 entries in stage 2.
# - Stage 2 from epoch 551 of 400 iterations = iteration 220,400 (0-based; README).
# Layout of the five task sets under data/all_in_one: configs/idr/README.md.
_base_ = [
    '../_base_/default_runtime.py',
    './_base_/datasets/five_task_benchmark.py',
]
batch_size = 7  # = group_size: each stage-1 batch is one task entry
iters_per_epoch = 400  # released: 400 images x 7 entries / batch 7
stage_switch_iter = 551 * iters_per_epoch
max_iters = 1200 * iters_per_epoch
base_lr = 1e-4
cycles = ((92000, 1.0, 2e-5), (88000, 1.0, 1e-6), (172000, 0.5, 1e-6), (128000, 0.3, 1e-6))

model = dict(
    type='AllInOneRestorer',
    backbone=dict(type='IDRReleased', dim=30, num_blocks=(2, 3, 3, 4),
                  num_refinement_blocks=2, heads=(1, 2, 4, 8), expansion=2.66,
                  num_tokens=24, num_types=5, inplace_addition=True, antialias=False),
    losses=dict(l1=dict(type='L1Loss'),
                sam=dict(type='ReleasedSAMLoss', loss_weight=1.0),
                cls=dict(type='LevelTypeCELoss', smoothing=0.1, loss_weight=0.01,
                         until_iter=stage_switch_iter)),
    feature_taps=dict(sam='**.sam_image', type_probs='**.degradation_classifier'),
    stage_switch_iter=stage_switch_iter,
    data_preprocessor=dict(type='RestorationDataPreprocessor'),
    test_cfg=dict(keep_input=True),
)

data_root = 'data/all_in_one'
crop_size = 128
dihedral = [  # the 8 flips / rotations (released random_augmentation), same for both images
    dict(type='Flip', keys=('img', 'gt'), flip_ratio=0.5, direction='horizontal'),
    dict(type='Flip', keys=('img', 'gt'), flip_ratio=0.5, direction='vertical'),
    dict(type='RandomTranspose', keys=('img', 'gt'), transpose_ratio=0.5),
]
released_paired = [
    dict(type='LoadImageFromFile', key='img', channel_order='rgb', to_float32=False),
    dict(type='LoadImageFromFile', key='gt', channel_order='rgb', to_float32=False),
    dict(type='PairedRandomCrop', crop_size=crop_size, keys=('img', 'gt'), pad_if_smaller=True),
    *dihedral,
    dict(type='PackInputs'),
]


def _released_noisy(sigma):
    head = [dict(type='LoadImageFromFile', key='gt', channel_order='rgb', to_float32=False),
            dict(type='RandomCrop', crop_size=crop_size, keys=('gt', ), pad_if_smaller=True)]
    flips = [dict(t, keys=('gt', )) for t in dihedral]
    noise = dict(type='Degrade', degradation=dict(type='GaussianNoise',
                                                  sigma_range=(sigma, sigma)))
    return dict(type='SyntheticPairDataset', data_root=f'{data_root}/denoise/train',
                data_prefix=dict(gt='gt'), pipeline=head + flips + [noise,
                                                                    dict(type='PackInputs')])


def _released_paired(folder):
    return dict(type='PairedImageDataset', data_root=f'{data_root}/{folder}',
                data_prefix=dict(img='lq', gt='gt'), pipeline=released_paired)


# The released de_type list: 7 entries, 5 labels (denoise 0, derain 1, dehaze 2, deblur 3,
# low light 4); each noise level is its own entry (its own single-task batches).
released_tasks = [
    dict(name='denoise_15', index=0, dataset=_released_noisy(15)),
    dict(name='denoise_25', index=0, dataset=_released_noisy(25)),
    dict(name='denoise_50', index=0, dataset=_released_noisy(50)),
    dict(name='derain', index=1, dataset=_released_paired('Rain200L/train')),
    dict(name='dehaze', index=2, dataset=_released_paired('RESIDE/OTS')),
    dict(name='delowlight', index=4, dataset=_released_paired('LOL/train')),
    dict(name='deblur', index=3, dataset=_released_paired('GoPro/train')),
]
train_dataloader = dict(
    batch_size=batch_size,
    num_workers=5,
    persistent_workers=True,
    sampler=dict(_delete_=True, type='TaskGroupedSampler', group_size=7,
                 stage2_from_iter=stage_switch_iter,
                 batch_size=batch_size),
    dataset=dict(type='MultiTaskDataset', balance=False, tasks=released_tasks))

train_cfg = dict(type='ResumableIterBasedTrainLoop', max_iters=max_iters,
                 val_interval=25 * iters_per_epoch)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(type='OptimWrapper',
                     optimizer=dict(type='Adam', lr=base_lr, betas=(0.9, 0.999)))
# Released lr in cycle i: eta_i + w_i (base - eta_i) (1 + cos(pi s / P_i)) / 2. mmengine's
# CosineRestartLR peaks at base * w', so w' = (eta_i + w_i (base - eta_i)) / base; one
# scheduler per cycle carries its own minimum. mmengine restarts at the cycle's first
# iteration, the release one iteration later (its cycle ends on the minimum): the lr
# differs at the three restart iterations only.
param_scheduler = [
    dict(type='CosineRestartLR', by_epoch=False, begin=sum(c[0] for c in cycles[:i]),
         end=sum(c[0] for c in cycles[:i + 1]), periods=[period],
         restart_weights=[(eta + weight * (base_lr - eta)) / base_lr], eta_min=eta)
    for i, (period, weight, eta) in enumerate(cycles)]
default_hooks = dict(checkpoint=dict(interval=100 * iters_per_epoch))
randomness = dict(seed=9181)
# Stage 1 runs one physics route per batch and no layer reads the attentions' unused
# temperature / qkv tensors, so DDP must allow parameters without gradients.
model_wrapper_cfg = dict(type='MMDistributedDataParallel', find_unused_parameters=True)
