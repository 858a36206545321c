# Demo: Autoencoder+SFT combined with DL-Net (K = 5, gamma = 1e-3; Table IX),
# fine-tuned from the Autoencoder+SFT demo:
#   python tools/train.py configs/dlnet/contextencoder-sft_joint_1xb16-300it_demo64-inpaint.py
#   python tools/train.py THIS --cfg-options \
#       load_from=work_dirs/contextencoder-sft_joint_1xb16-300it_demo64-inpaint/iter_300.pth
_base_ = ['./contextencoder-sft_joint_1xb16-300it_demo64-inpaint.py']
model = dict(head=dict(num_steps=5, step_size=1e-3))
