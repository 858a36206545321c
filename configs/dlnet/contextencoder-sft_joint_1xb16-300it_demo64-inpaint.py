# Demo: Autoencoder+SFT (the mask-input autoencoder of Table IX, K = 1: the
# reference network) on the demo inpainting data, half the paper's widths:
#   python tools/train.py configs/dlnet/contextencoder-sft_joint_1xb16-300it_demo64-inpaint.py
_base_ = ['./contextencoder_joint_1xb16-300it_demo64-inpaint.py']
# The base already halves the widths; only the backbone type changes (g
# rebuilds each sample's mask from its recorded degradation).
model = dict(backbone=dict(type='SFTContextEncoderAE'))
