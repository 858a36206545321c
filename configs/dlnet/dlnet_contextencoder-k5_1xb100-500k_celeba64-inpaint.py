# DL-Net (K = 5, gamma = 1e-3), fine-tuned from Autoencoder (Joint) as in the
# paper (Tables II/IV): train contextencoder_joint_1xb100-500k_celeba64-inpaint.py first.
_base_ = ['./contextencoder_joint_1xb100-500k_celeba64-inpaint.py']
model = dict(head=dict(num_steps=5, step_size=1e-3))
# starts from the previous model's last checkpoint (train that config first)
load_from = 'work_dirs/contextencoder_joint_1xb100-500k_celeba64-inpaint/iter_500000.pth'
