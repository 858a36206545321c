# Table 6, left: 5 FD-layers (and FA-layers) per FDM instead of 3.
_base_ = ['./fdrnet_c32p14_1xb28-180k_did-hy.py']

model = dict(backbone=dict(num_fd_layers=5))
