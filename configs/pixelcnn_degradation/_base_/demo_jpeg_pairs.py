# JPEG-compressed pairs of the demo photographs (`python tools/data/prepare_demo.py`):
#   data/demo/train/gt/*.png   clean training images
#   data/demo/val/gt/*.png     clean validation images (4)
# The degraded image is made on the fly by the core's JPEGCompression (OpenCV libjpeg),
# a new quality from `quality_range` for every training pass, a fixed one per validation
# image. The paper does not state its JPEG quality; this range is a choice.
# The CelebA-HQ base (same degradation and validation pipeline) with random crops,
# the demo folders, no worker processes, and validation batches of 4.
_base_ = ['./celebahq256_jpeg_pairs.py']
data_root = 'data/demo'
crop_size = 32

train_pipeline = [
    dict(type='LoadImageFromFile', key='gt', channel_order='rgb', to_float32=False),
    dict(type='RandomCrop', crop_size=crop_size, keys=('gt', )),
    dict(type='Flip', keys=('gt', ), flip_ratio=0.5, direction='horizontal'),
    dict(type='Degrade', degradation={{_base_.degradation}}, in_key='gt', out_key='img'),
    dict(type='PackInputs'),
]
train_dataloader = dict(
    num_workers=0,
    persistent_workers=False,
    dataset=dict(data_root=data_root, data_prefix=dict(gt='train/gt'), pipeline=train_pipeline))
# batch_size > 1: the unpaired score pairs each degraded image with the clean image of the
# previous image of its batch (DegradationDensityModel docs)
val_dataloader = dict(
    batch_size=4,
    num_workers=0,
    dataset=dict(data_root=data_root, data_prefix=dict(gt='val/gt')))
test_dataloader = val_dataloader
