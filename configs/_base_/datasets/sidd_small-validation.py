# SIDD-sRGB (real-noise denoising) for the InfoAccum family (paper Appendix G.A, Table IV):
# SIDD-Small-sRGB (160 pairs) for training, SIDD-Validation-sRGB (1280 256x256 blocks) for testing.
# Expected layout under data_root (see configs/infoaccum/README.md for how to get there):
#   data/SIDD/Small/lq/0001_001_S6_00100_00060_3200_L.png ...   noisy (NOISY_SRGB_*.PNG)
#   data/SIDD/Small/gt/0001_001_S6_00100_00060_3200_L.png ...   clean (GT_SRGB_*.PNG), same names
#   data/SIDD/Validation/lq/0000_00.png ... 1280 noisy blocks  (from ValidationNoisyBlocksSrgb.mat)
#   data/SIDD/Validation/gt/0000_00.png ... 1280 clean blocks  (from ValidationGtBlocksSrgb.mat)
_base_ = ['./paired_restoration.py']

data_root = 'data/SIDD'

train_dataloader = dict(dataset=dict(
    data_root=data_root, data_prefix=dict(img='Small/lq', gt='Small/gt')))
val_dataloader = dict(dataset=dict(
    data_root=data_root, data_prefix=dict(img='Validation/lq', gt='Validation/gt')))
test_dataloader = val_dataloader
