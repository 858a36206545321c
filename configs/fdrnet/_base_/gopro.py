# GoPro deblurring (FDR-Net Sec. 4.2, Table 3): 2,103 training and 1,111 test pairs.
# Layout (the released sequences flattened, the sequence name prefixed to keep names unique):
#   data/GoPro/train/blur/GOPR0372_07_00_000047.png   data/GoPro/train/sharp/<same name>
#   data/GoPro/test/blur/GOPR0384_11_00_000001.png    data/GoPro/test/sharp/<same name>
# Training crops of 128 x 128 and batch 28 (crop not given in the paper: our choice, larger
# than the other tasks' because motion blur spans tens of pixels).
_base_ = ['../../_base_/datasets/paired_restoration.py']

data_root = 'data/GoPro'
crop_size = 128
train_pipeline = [
    dict(step, crop_size=crop_size) if step.type == 'PairedRandomCrop' else step
    for step in _base_.train_pipeline
]
train_dataloader = dict(
    batch_size=28,
    dataset=dict(data_root=data_root, data_prefix=dict(img='train/blur', gt='train/sharp'),
                 pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(
    data_root=data_root, data_prefix=dict(img='test/blur', gt='test/sharp')))
test_dataloader = val_dataloader
