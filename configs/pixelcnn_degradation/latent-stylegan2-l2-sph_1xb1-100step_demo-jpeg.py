# PULSE baseline (Table 2, row "MMD N, Spherical Y"): L2 to the compressed image (JPEG is not
# differentiable: the known degradation is taken as the identity), spherical steps, cross loss.
_base_ = ['_base_/latent_demo.py']
model = dict(type='LatentRestorer', generator={{_base_.generator}},
             data_loss=dict(type='MSELoss'), mmd_loss=None, num_steps=100, lr=0.1,
             spherical=True, cross_weight=0.05)
