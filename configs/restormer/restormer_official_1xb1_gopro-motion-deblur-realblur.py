# The released `motion_deblurring.pth` (trained on GoPro only) scored on RealBlur as the released
# evaluation does (Motion_Deblurring/evaluate_realblur.py): each output intensity-matched and
# ECC-aligned to its target, PSNR / SSIM inside the aligned region, RGB
# (irtoolbox/evaluation/metrics/realblur_aligned.py). RealBlur_J by default; RealBlur_R with
#   --cfg-options test_dataloader.dataset.data_root=data/Motion_Deblurring/test/RealBlur_R
_base_ = ['./restormer_official_1xb1_gopro-motion-deblur.py']
test_dataloader = val_dataloader = dict(dataset=dict(
    data_root='data/Motion_Deblurring/test/RealBlur_J'))
test_evaluator = val_evaluator = [dict(type='RealBlurPSNR'), dict(type='RealBlurSSIM')]
