# Demo: DL-Net (K = 5, gamma = 1e-3) on the demo inpainting data. The paper
# fine-tunes from Autoencoder (Joint):
#   python tools/train.py configs/dlnet/contextencoder_joint_1xb16-300it_demo64-inpaint.py
#   python tools/train.py THIS --cfg-options \
#       load_from=work_dirs/contextencoder_joint_1xb16-300it_demo64-inpaint/iter_300.pth
# (configs/dlnet/README.md has the measured comparison).
_base_ = ['./contextencoder_joint_1xb16-300it_demo64-inpaint.py']
model = dict(head=dict(num_steps=5, step_size=1e-3))
