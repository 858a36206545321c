# Autoencoder+SFT combined with DL-Net (K = 5, gamma = 1e-2; Table X),
# fine-tuned from Autoencoder+SFT as DL-Net is from Autoencoder (Joint):
_base_ = ['./contextencoder-sft_joint_1xb100-500k_celeba64-interp.py']
model = dict(head=dict(num_steps=5, step_size=1e-2))
# starts from the previous model's last checkpoint (train that config first)
load_from = 'work_dirs/contextencoder-sft_joint_1xb100-500k_celeba64-interp/iter_500000.pth'
