# Table 6, right: 16 channels instead of 32 (3 FD-layers).
_base_ = ['./fdrnet_c32p14_1xb28-180k_did-hy.py']

model = dict(backbone=dict(mid_channels=16))
