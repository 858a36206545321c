# As the paper's method without the spherical steps (Table 2, row "Spherical N").
_base_ = ['_base_/latent_demo.py']
model = dict(type='LatentRestorer', generator={{_base_.generator}},
             data_loss=dict(type='DegradationLikelihoodLoss', model={{_base_.density}},
                            checkpoint={{_base_.density_checkpoint}}, input_range=(-1.0, 1.0),
                            loss_weight=1.0),
             mmd_loss={{_base_.mmd}}, num_steps=100, lr=0.1, spherical=False, cross_weight=0.05)
