# Naive Likelihood (Sec. III-B, Table I): L_rec + lambda L with lambda = 1e2,
# the fidelity of Eq. 2 on the prediction (each sample's recorded W), no recursion.
_base_ = ['./contextencoder_joint_1xb100-500k_celeba64-inpaint.py']
# lambda is relative to Eq. 6's L_rec (the MSE mean x C); the rec term is in the
# released scale (mean x C*H*W/2, 2048x Eq. 6), so lambda is scaled by 2048 too.
model = dict(losses=dict(likelihood=dict(type='LikelihoodLoss', loss_weight=1e2 * 2048)))
