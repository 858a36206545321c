# The five-task all-in-one benchmark of IDR (CVPR 2023; supplement Tables 1-4):
# derain (Rain100L), dehaze (SOTS-outdoor), denoise (BSD68, sigma 15/25/50),
# deblur (GoPro), low light (LOL). Layout under data/all_in_one (see
# configs/idr/README.md for where each comes from):
#   Rain100L/train/{lq,gt}/*.png   Rain100L/test/{lq,gt}/*.png       (same names)
#   RESIDE/OTS/{lq,gt}/*           RESIDE/SOTS-outdoor/{lq,gt}/*     (pairs.txt if names differ)
#   denoise/train/gt/*  (BSD400 + WED clean images)  denoise/BSD68/gt/*.png
#   GoPro/train/{lq,gt}/*          GoPro/test/{lq,gt}/*
#   LOL/train/{lq,gt}/*            LOL/test/{lq,gt}/*                 (our485 / eval15)
# Task labels are the released code's: denoise 0, derain 1, dehaze 2, deblur 3, low light 4.
data_root = 'data/all_in_one'
crop_size = 128

paired_train = [
    dict(type='LoadImageFromFile', key='img', channel_order='rgb', to_float32=False),
    dict(type='LoadImageFromFile', key='gt', channel_order='rgb', to_float32=False),
    dict(type='PairedRandomCrop', crop_size=crop_size, keys=('img', 'gt'), pad_if_smaller=True),
    dict(type='Flip', keys=('img', 'gt'), flip_ratio=0.5, direction='horizontal'),
    dict(type='PackInputs'),
]
paired_test = [
    dict(type='LoadImageFromFile', key='img', channel_order='rgb'),
    dict(type='LoadImageFromFile', key='gt', channel_order='rgb'),
    dict(type='PackInputs'),
]
noisy_train = [
    dict(type='LoadImageFromFile', key='gt', channel_order='rgb', to_float32=False),
    dict(type='RandomCrop', crop_size=crop_size, keys=('gt', ), pad_if_smaller=True),
    dict(type='Flip', keys=('gt', ), flip_ratio=0.5, direction='horizontal'),
    dict(type='Degrade', degradation=dict(type='GaussianNoise', sigma_range=(0, 50),
                                          levels=(15, 15, 25, 25, 50, 50)), levels=[1, 3, 5]),
    dict(type='PackInputs'),
]


def _paired(folder, pipeline, test_mode=False):
    return dict(type='PairedImageDataset', data_root=f'{data_root}/{folder}',
                data_prefix=dict(img='lq', gt='gt'), pipeline=pipeline, test_mode=test_mode)


def _noisy(folder, sigma, test_mode):
    pipeline = [dict(type='LoadImageFromFile', key='gt', channel_order='rgb'),
                dict(type='Degrade', degradation=dict(type='GaussianNoise',
                                                      sigma_range=(sigma, sigma))),
                dict(type='PackInputs')]
    return dict(type='SyntheticPairDataset', data_root=f'{data_root}/{folder}',
                data_prefix=dict(gt='gt'), pipeline=pipeline, test_mode=test_mode)


train_tasks = [
    dict(name='denoise', index=0, dataset=dict(
        type='SyntheticPairDataset', data_root=f'{data_root}/denoise/train',
        data_prefix=dict(gt='gt'), pipeline=noisy_train)),
    dict(name='derain', index=1, dataset=_paired('Rain100L/train', paired_train)),
    dict(name='dehaze', index=2, dataset=_paired('RESIDE/OTS', paired_train)),
    dict(name='deblur', index=3, dataset=_paired('GoPro/train', paired_train)),
    dict(name='lowlight', index=4, dataset=_paired('LOL/train', paired_train)),
]
test_tasks = [
    dict(name='derain', index=1, dataset=_paired('Rain100L/test', paired_test, True)),
    dict(name='dehaze', index=2, dataset=_paired('RESIDE/SOTS-outdoor', paired_test, True)),
    dict(name='denoise_s15', index=0, dataset=_noisy('denoise/BSD68', 15, True)),
    dict(name='denoise_s25', index=0, dataset=_noisy('denoise/BSD68', 25, True)),
    dict(name='denoise_s50', index=0, dataset=_noisy('denoise/BSD68', 50, True)),
    dict(name='deblur', index=3, dataset=_paired('GoPro/test', paired_test, True)),
    dict(name='lowlight', index=4, dataset=_paired('LOL/test', paired_test, True)),
]

train_dataloader = dict(
    batch_size=8,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='ResumableInfiniteSampler', shuffle=True),
    dataset=dict(type='MultiTaskDataset', balance=True, tasks=train_tasks))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type='MultiTaskDataset', test_mode=True, tasks=test_tasks))
test_dataloader = val_dataloader

val_evaluator = [
    dict(type='PSNR', crop_border=0, group_by='task_name'),
    dict(type='SSIM', crop_border=0, group_by='task_name'),
]
test_evaluator = val_evaluator

# The three-task benchmark (denoise, derain, dehaze; three_task_benchmark.py) uses these.
three_task_train = train_tasks[:3]
three_task_test = test_tasks[:5]
# Supplement Table 1's clean-image hub: clean images as a sixth task (index 5, the
# released code's label), input = target (noise of sigma 0 is the identity).
clean_task = dict(name='clean', index=5, dataset=dict(
    type='SyntheticPairDataset', data_root=f'{data_root}/denoise/train', data_prefix=dict(gt='gt'),
    pipeline=noisy_train[:3] + [dict(type='Degrade', degradation=dict(
        type='GaussianNoise', sigma_range=(0, 0))), dict(type='PackInputs')]))
train_tasks_with_clean = train_tasks + [clean_task]
