# Table 5, third row: no auxiliary branch (and so no fusion), 1.22 M parameters (paper: 1.21 M).
_base_ = ['./fdrnet_c32p14_1xb28-180k_did-hy.py']

model = dict(backbone=dict(use_aux=False))
