# Table 5's ResBlock baseline at the paper's size (4 ResBlocks per phase instead of FDM ->
# FAM, 14 phases, 1,563,099 parameters) on the demo photographs: the check run of its
# initialisation (FDRNet replacement_init_scale; configs/fdrnet/README.md, "Paper scale").
#   python tools/train.py configs/fdrnet/fdrnet-resblocks_c32p14_1xb2-200it_demo-hybrid.py
# No FD-layers, so L1 only.
_base_ = ['./fdrnet_c32p14_1xb2-200it_demo-hybrid.py']

model = dict(backbone=dict(use_fdm=False, num_replacement_blocks=4),
             losses=dict(_delete_=True, l1=dict(type='L1Loss', loss_weight=1.0)),
             feature_taps=None)
