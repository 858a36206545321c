# Autoencoder+SFT (Table X): the mask-input autoencoder (K = 1, the
# reference network) trained on the whole range of drop rates r in [0, 0.75].
_base_ = ['./contextencoder_joint_1xb100-300k_celeba64-interp.py']
# Only the backbone type changes (split at z like ContextEncoderAE; g rebuilds
# each sample's mask from its recorded degradation).
model = dict(backbone=dict(type='SFTContextEncoderAE'))
