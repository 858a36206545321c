# Released `deraining.pth` (Rain13K training; WithBias LayerNorm, RGB). Convert:
#   python tools/model_converters/restormer_official.py deraining.pth \
#       checkpoints/restormer_derain.pth --config THIS_FILE
# Test sets (the released Deraining/test layout): data/Deraining/test/<Rain100H|Rain100L|Test100|
# Test1200|Test2800>/{input,target}/; the published PSNR/SSIM are on the Y channel (README).
_base_ = ['../_base_/datasets/paired_restoration.py', './_base_/restormer_official.py']
test_dataloader = val_dataloader = dict(dataset=dict(
    data_root='data/Deraining/test/Rain100H', data_prefix=dict(img='input', gt='target')))
