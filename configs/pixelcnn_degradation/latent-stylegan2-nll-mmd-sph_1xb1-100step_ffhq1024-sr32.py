# PULSE super-resolution (32 -> 1024, FFHQ) with the degradation-model paper's data term:
# -log p(y | D(G(w))) under the SR degradation model of
# pixelcnn-cond_b6-c100-mix10_1xb32-100k_ffhq1024-sr32.py, D(G(w)) the restoration
# average-pooled by 32 (degradation_scale, as the L2 configs), + MMD (gamma 512, 1000 mapping
# samples), spherical steps, PULSE's cross loss, 100 steps from w_avg. Not a paper setting:
# the paper's SR experiment (Sec. 4.2) uses L2 and L2 + MMD only; this is its JPEG method
# carried to SR. Needs checkpoints/stylegan2_ffhq1024.pth (README) and the trained
# degradation model (train the config above first); both are read at the first restoration.
_base_ = ['./latent-stylegan2-l2-mmd-sph_1xb1-100step_ffhq1024-sr32.py']
model = dict(
    data_loss=dict(_delete_=True, type='DegradationLikelihoodLoss',
                   model=dict(type='ConditionalPixelCNN', channels=100, num_blocks=6, num_mix=10),
                   checkpoint='work_dirs/pixelcnn-cond_b6-c100-mix10_1xb32-100k_ffhq1024-sr32/'
                              'iter_100000.pth', input_range=(-1.0, 1.0), loss_weight=1.0))
