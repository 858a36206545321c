# Autoencoder+SFT combined with DL-Net (K = 5, gamma = 1e-3; Table IX),
# fine-tuned from Autoencoder+SFT as DL-Net is from Autoencoder (Joint):
_base_ = ['./contextencoder-sft_joint_1xb100-500k_celeba64-inpaint.py']
model = dict(head=dict(num_steps=5, step_size=1e-3))
# starts from the previous model's last checkpoint (train that config first)
load_from = 'work_dirs/contextencoder-sft_joint_1xb100-500k_celeba64-inpaint/iter_500000.pth'
