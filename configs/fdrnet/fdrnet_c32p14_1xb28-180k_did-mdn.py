# FDR-Net, paper setting: Table 4 (DID-MDN deraining).
# 32 channels, 14 phases, 3 FD-layers (1.74 M parameters; Table 5: 1.66 M); L1 + 1e-5 SVDO;
# Adam 1e-4, x0.8 every 9000 iterations, batch 28. Dataset layout: configs/fdrnet/README.md.
_base_ = [
    './_base_/fdrnet_paper_model.py',
    './_base_/did_mdn.py',
    './_base_/fdrnet_paper_runtime.py',
]
