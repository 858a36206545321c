# Naive Likelihood (Sec. III-B, Table I): L_rec + lambda L with lambda = 1e3,
# the fidelity of Eq. 2 on the prediction (each sample's recorded W), no recursion.
_base_ = ['./contextencoder_joint_1xb100-300k_celeba64-inpaint.py']
model = dict(losses=dict(likelihood=dict(type='LikelihoodLoss', loss_weight=1e3)))
