# The hybrid-distortion protocol of div2k_hybrid.py on the demo photographs
# (python tools/data/prepare_demo.py):
#   data/demo/train/gt/*.png   25 clean training images    data/demo/val/gt/*.png   4 clean
# Training: 63 x 63 patches, a moderate-bucket triple drawn per sample, batch 8; validation:
# mild / moderate / severe, 8 seeded patches per image and bucket (32 each), plus the degraded
# input's PSNR per bucket (the baseline to beat; needs Restorer test_cfg keep_input=True).
_base_ = ['./div2k_hybrid.py']

data_root = 'data/demo'
# the DIV2K training pipeline plus random transposes (few images: more augmentation)
train_pipeline = (_base_.train_pipeline[:3]
                  + [dict(type='RandomTranspose', keys=('gt', ), transpose_ratio=0.5)]
                  + _base_.train_pipeline[3:])

train_dataloader = dict(
    batch_size=8,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(data_root=data_root, data_prefix=dict(gt='train/gt'), ann_file='',
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=8,
    num_workers=0,
    dataset=dict(type='ConcatDataset', datasets=[
        dict(type='HybridDistortionDataset', bucket=bucket, samples_per_image=8,
             data_root=data_root, data_prefix=dict(gt='val/gt'),
             pipeline=_base_.test_pipeline, test_mode=True)
        for bucket in ('mild', 'moderate', 'severe')]))
test_dataloader = val_dataloader

val_evaluator = [
    dict(type='PSNR', crop_border=0, group_by=_base_.bucket_and_levels),
    dict(type='SSIM', crop_border=0, group_by=['degradation_bucket']),
    dict(type='PSNR', crop_border=0, pred_key='input_img', prefix='degraded',
         group_by=['degradation_bucket']),
]
test_evaluator = val_evaluator
