# PULSE SR (32 -> 1024, FFHQ) with the MMD prior term of the degradation-model paper
# (Eq. 6-7, gamma 512, 1000 mapping samples) added to the L2 data term.
_base_ = ['./latent-stylegan2-l2-sph_1xb1-100step_ffhq1024-sr32.py']
model = dict(mmd_loss=dict(_delete_=True, type='MMDLoss', gamma=512.0, kernel='distance',
                           estimator='biased', loss_weight=1.0))
