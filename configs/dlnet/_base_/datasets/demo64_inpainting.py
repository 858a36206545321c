# Demo: 64 x 64 crops of the demo photographs (`python tools/data/prepare_demo.py`:
# data/demo/{train,val}/gt/*.png), multi-level inpainting; random training
# crops, the centre crop of each validation photograph as the test image.
_base_ = ['./celeba64_inpainting.py']
data_root = 'data/demo'
train_dataloader = dict(
    batch_size=16, num_workers=0,
    dataset=dict(dataset=dict(data_root=data_root, data_prefix=dict(gt='train/gt'), pipeline=[
        dict(type='LoadImageFromFile', key='gt', channel_order='rgb', to_float32=False),
        dict(type='RandomCrop', crop_size=64, keys=('gt', )),
        dict(type='Flip', keys=('gt', ), flip_ratio=0.5, direction='horizontal'),
        dict(type='PackInputs'),
    ])))
test_dataloader = dict(batch_size=8, num_workers=0, dataset=dict(dataset=dict(
    data_root=data_root, data_prefix=dict(gt='val/gt'))))
val_dataloader = dict(batch_size=8, num_workers=0, dataset=dict(dataset=dict(
    data_root=data_root, data_prefix=dict(gt='val/gt'))))
