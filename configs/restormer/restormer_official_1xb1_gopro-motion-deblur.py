# Released `motion_deblurring.pth` (GoPro training; WithBias LayerNorm, RGB: the deraining shape).
# Convert:
#   python tools/model_converters/restormer_official.py motion_deblurring.pth \
#       checkpoints/restormer_motion_deblur.pth --config THIS_FILE
# Test sets (the released Motion_Deblurring test layout; the model is trained on GoPro only and
# tested on all four): data/Motion_Deblurring/test/<GoPro|HIDE|RealBlur_J|RealBlur_R>/
# {input,target}/; pick one with
#   --cfg-options test_dataloader.dataset.data_root=data/Motion_Deblurring/test/HIDE
# The released RealBlur evaluation aligns each output to its target before PSNR/SSIM: for
# RealBlur use restormer_official_1xb1_gopro-motion-deblur-realblur.py (these evaluators do not).
_base_ = ['../_base_/datasets/paired_restoration.py', './_base_/restormer_official.py']
root, prefix = 'data/Motion_Deblurring', dict(img='input', gt='target')
train_dataloader = dict(dataset=dict(data_root=f'{root}/train/GoPro', data_prefix=prefix))
test_dataloader = val_dataloader = dict(dataset=dict(data_root=f'{root}/test/GoPro',
                                                     data_prefix=prefix))
