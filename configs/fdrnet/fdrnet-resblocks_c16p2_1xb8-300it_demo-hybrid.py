# Table 5's baseline at CPU scale: FD- and FA-layers replaced by 5 ResBlocks per phase,
# 66,915 parameters (+3.3 % of the FDR-Net demo's 64,795), same data and iterations.
# No FD-layers, so no SVDO term: L1 only.
_base_ = ['./fdrnet_c16p2_1xb8-300it_demo-hybrid.py']

model = dict(backbone=dict(use_fdm=False, num_replacement_blocks=5),
             losses=dict(_delete_=True, l1=dict(type='L1Loss', loss_weight=1.0)),
             feature_taps=None)
