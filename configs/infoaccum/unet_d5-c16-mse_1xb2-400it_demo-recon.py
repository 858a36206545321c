# Table III at CPU scale: UNet-5 (16 base channels).
#   python tools/data/prepare_demo.py
#   python tools/train.py configs/infoaccum/unet_d5-c16-mse_1xb2-400it_demo-recon.py
_base_ = ['./_base_/demo-recon.py']
model = dict(backbone=dict(depth=5, base_channels=16))
