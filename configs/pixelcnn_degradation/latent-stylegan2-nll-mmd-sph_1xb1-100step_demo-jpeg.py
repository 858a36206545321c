# The paper's method: -log p(y | G(w)) under the trained degradation model ("pixelcnn coff" 1)
# + MMD, spherical steps, cross loss.
_base_ = ['_base_/latent_demo.py']
model = dict(type='LatentRestorer', generator={{_base_.generator}},
             data_loss=dict(type='DegradationLikelihoodLoss', model={{_base_.density}},
                            checkpoint={{_base_.density_checkpoint}}, input_range=(-1.0, 1.0),
                            loss_weight=1.0),
             mmd_loss={{_base_.mmd}}, num_steps=100, lr=0.1, spherical=True, cross_weight=0.05)
