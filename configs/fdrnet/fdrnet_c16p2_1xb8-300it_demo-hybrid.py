# FDR-Net at CPU scale on the demo photographs, moderate bucket, tested on mild / moderate /
# severe (configs/fdrnet/README.md, "Small-scale reproduction"):
#   python tools/data/prepare_demo.py
#   python tools/train.py configs/fdrnet/fdrnet_c16p2_1xb8-300it_demo-hybrid.py
# 16 channels, 2 phases, 3 FD-layers: 64,795 parameters.
_base_ = [
    '../_base_/default_runtime.py',
    './_base_/fdrnet_model.py',
    './_base_/demo_hybrid.py',
    './_base_/demo_schedule.py',
]

model = dict(backbone=dict(mid_channels=16, num_phases=2, ca_reduction=4),
             test_cfg=dict(keep_input=True))
default_hooks = dict(logger=dict(interval=25), checkpoint=dict(interval=300))
