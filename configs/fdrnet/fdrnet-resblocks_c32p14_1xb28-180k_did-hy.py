# Table 5, second row: FD- and FA-layers replaced by ResBlocks (4 per phase), 1.56 M
# parameters (paper: 1.62 M); no FD-layers, so L1 only.
_base_ = ['./fdrnet_c32p14_1xb28-180k_did-hy.py']

model = dict(backbone=dict(use_fdm=False, num_replacement_blocks=4),
             losses=dict(_delete_=True, l1=dict(type='L1Loss', loss_weight=1.0)),
             feature_taps=None)
