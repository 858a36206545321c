# The degradation model of the NLL super-resolution config
# (latent-stylegan2-nll-mmd-sph_1xb1-100step_ffhq1024-sr32.py): the paper's network (6
# conditional blocks, 100 channels, 10 components) on (y = bicubic 32 x 32, x = the face
# average-pooled to 32 x 32) pairs of FFHQ 1024 (below). The paper trains no SR degradation
# model; the schedule is the JPEG config's (PixelCNN++'s Adam and decay, 100k iterations)
# with batches of 32 (a 32 x 32 pair has 1/64 of the sub-pixels of a 256 x 256 one): 3.2M
# pairs, about 53 epochs of 60,000 faces. Not run here.
# The CelebA-HQ JPEG config (model, schedule, samplers, BitsPerDim) with these pipelines,
# folders and batches.
_base_ = ['./pixelcnn-cond_b6-c100-mix10_1xb8-100k_celebahq256-jpeg.py']

# FFHQ faces at 1024 x 1024 as super-resolution pairs for the degradation model p(y | x) of the
# PULSE configs (latent-stylegan2-*_ffhq1024-sr32.py):
#   y = the 32 x 32 input those configs restore: MATLAB-bicubic Downsample by 32 (their test
#       pipeline's operator, so the model is trained on the inputs it will score);
#   x = D(HR), the face average-pooled by 32: the restoration at y's size that LatentRestorer
#       hands the NLL (degradation_scale=32). mmcv's Resize with interpolation 'area'
#       (OpenCV INTER_AREA: the exact box mean at an integer factor) on the gt key, through
#       mmcv's KeyMapper (Resize only reads 'img').
# The paper trains no degradation model for super-resolution (Sec. 4.2 compares L2 with
# L2 + MMD; the NLL is used for JPEG only): these pairs, the split and the schedule are
# choices (README). y is the float bicubic output, not rounded to 8 bits, as in the test
# pipeline. Layout (PNG or JPEG files of the clean faces, 1024 x 1024):
#   data/ffhq_1024/train/*.png   training faces (e.g. FFHQ 00000-59999)
#   data/ffhq_1024/test/*.png    test faces (the latent configs restore the first 100)
data_root = 'data/ffhq_1024'
scale = 32
quality_range = None  # the JPEG base's variable: no JPEG here
degradation = [dict(type='Downsample', scale=scale)]
pool_clean = dict(type='KeyMapper', mapping=dict(img='gt'), auto_remap=True,
                  transforms=[dict(type='Resize', scale_factor=1 / scale, keep_ratio=False,
                                   interpolation='area')])

train_pipeline = [
    dict(type='LoadImageFromFile', key='gt', channel_order='rgb', to_float32=False),
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
# batches of 32: a 32 x 32 pair has 1/64 of the sub-pixels of a 256 x 256 JPEG pair
train_dataloader = dict(
    batch_size=32,
    num_workers=8,
    dataset=dict(data_root=data_root, pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=32,
    dataset=dict(data_root=data_root, pipeline=val_pipeline))
test_dataloader = val_dataloader
