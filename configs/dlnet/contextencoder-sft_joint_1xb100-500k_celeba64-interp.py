# Autoencoder+SFT (Table X): the mask-input autoencoder (K = 1, the
# reference network) trained on the whole range of drop rates r in [0, 0.75].
_base_ = ['./contextencoder_joint_1xb100-500k_celeba64-interp.py']
# Only the backbone type changes (split at z like ContextEncoderAE; g rebuilds
# each sample's mask from its recorded degradation).
model = dict(backbone=dict(type='SFTContextEncoderAE'))
# load_from (the plain reference model, from the base): its shared layers load,
# the condition network and SFT convs (not in it) keep their initialisation.
