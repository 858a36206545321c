# Table 2, row "MMD Y, Spherical Y" with the L2 data term: PULSE + the MMD prior term.
_base_ = ['_base_/latent_demo.py']
model = dict(type='LatentRestorer', generator={{_base_.generator}},
             data_loss=dict(type='MSELoss'), mmd_loss={{_base_.mmd}}, num_steps=100, lr=0.1,
             spherical=True, cross_weight=0.05)
