# DID-HY (FDR-Net Sec. 4.1, Tables 2, 5, 6): DID-MDN's rainy images with blur -> noise -> JPEG
# on top, 12,000 training and 1,200 test pairs of 512 x 512.
# Layout: the DID-MDN (Rain12000) folders, see configs/_base_/datasets/rain12000.py:
#   data/Rain12000/train/lq/*.png  data/Rain12000/train/gt/*.png   (12000, same names)
#   data/Rain12000/test/lq/*.png   data/Rain12000/test/gt/*.png    (1200)
# The paper does not release DID-HY nor say its levels: our choice is the hybrid chain of the
# DIV2K protocol with a triple from the moderate bucket per image, made on the fly for
# training and seeded per index for testing (the same 1,200 test inputs in every run).
# Training crops of 64 x 64 (not given; the DIV2K protocol's patch scale), batch 28.
_base_ = ['../../_base_/datasets/rain12000.py']

crop_size = 64
train_pipeline = [
    dict(type='LoadImageFromFile', key='img', channel_order='rgb', to_float32=False),
    dict(type='LoadImageFromFile', key='gt', channel_order='rgb', to_float32=False),
    dict(type='PairedRandomCrop', crop_size=crop_size, keys=('img', 'gt')),
    dict(type='Flip', keys=('img', 'gt'), flip_ratio=0.5, direction='horizontal'),
    dict(type='HybridDegrade', bucket='moderate', in_key='img', out_key='img'),
    dict(type='PackInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile', key='img', channel_order='rgb', to_float32=False),
    dict(type='LoadImageFromFile', key='gt', channel_order='rgb', to_float32=False),
    dict(type='HybridDegrade', bucket='moderate', in_key='img', out_key='img'),
    dict(type='PackInputs'),
]
train_dataloader = dict(batch_size=28, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
