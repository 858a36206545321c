# The demo photographs (python tools/data/prepare_demo.py) as a reconstruction
# task: each clean image is both input and target (InfoAccum Table III on CPU).
_base_ = ['./paired_restoration.py']

data_root = 'data/demo'
crop_size = 64

# The base's train_pipeline holds its own crop size (a base is not re-run with the
# child's variables): rebuild it with this one. The demo photographs are all larger
# than the crop, so no padding.
train_pipeline = [
    dict(type='PairedRandomCrop', crop_size=crop_size, keys=('img', 'gt'))
    if step.type == 'PairedRandomCrop' else step for step in _base_.train_pipeline
]
# Small CPU runs: larger batches, no worker processes.
train_dataloader = dict(
    batch_size=4,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(data_root=data_root, data_prefix=dict(img='train/gt', gt='train/gt'),
                 pipeline=train_pipeline))
val_dataloader = dict(
    num_workers=0,
    dataset=dict(data_root=data_root, data_prefix=dict(img='val/gt', gt='val/gt')))
test_dataloader = val_dataloader
