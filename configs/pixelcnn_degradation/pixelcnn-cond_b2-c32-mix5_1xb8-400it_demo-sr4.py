# CPU demo of the super-resolution degradation model: the JPEG demo's small conditional
# PixelCNN++ (2 blocks, 32 channels, 5 components) on 32 x 32 (y = bicubic / 4, x = clean
# average-pooled by 4) pairs of 128 x 128 crops of the demo photographs (below). A few
# minutes on 2 cores:
#   python tools/data/prepare_demo.py
#   python tools/train.py <this config>
#   python tools/test.py <this config> work_dirs/<config name>/iter_400.pth  # bits/dim
# The JPEG demo (model, schedule, folders, batches) with super-resolution pipelines.
_base_ = ['./pixelcnn-cond_b2-c32-mix5_1xb8-400it_demo-jpeg.py']

# Super-resolution pairs of the demo photographs (`python tools/data/prepare_demo.py`), the
# pairs of pixelcnn-cond_b6-c100-mix10_1xb32-100k_ffhq1024-sr32.py at a demo scale:
# y = MATLAB-bicubic Downsample by 4, x = the clean image average-pooled by 4
# (LatentRestorer's D at degradation_scale=4).
#   data/demo/train/gt/*.png   clean training images (256 x 256): random 128 x 128 crops,
#                              so the training pairs are 32 x 32
#   data/demo/val/gt/*.png     clean validation images (4): whole, 64 x 64 pairs
# The demo photographs are 256 px, too small for the faces' factor 32 (a 32 x 32 pair would
# need a 1024 px crop), hence 4.
scale = 4
quality_range = None  # the JPEG base's variable: no JPEG here
crop_size = 32 * scale
degradation = [dict(type='Downsample', scale=scale)]
pool_clean = dict(type='KeyMapper', mapping=dict(img='gt'), auto_remap=True,
                  transforms=[dict(type='Resize', scale_factor=1 / scale, keep_ratio=False,
                                   interpolation='area')])

train_pipeline = [
    dict(type='LoadImageFromFile', key='gt', channel_order='rgb', to_float32=False),
    dict(type='RandomCrop', crop_size=crop_size, keys=('gt', )),
    dict(type='Flip', keys=('gt', ), flip_ratio=0.5, direction='horizontal'),
    dict(type='Degrade', degradation=degradation, in_key='gt', out_key='img'),
    pool_clean,
    dict(type='PackInputs'),
]
val_pipeline = [
    dict(type='LoadImageFromFile', key='gt', channel_order='rgb'),
    dict(type='Degrade', degradation=degradation, in_key='gt', out_key='img'),
    pool_clean,
    dict(type='PackInputs'),
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader
