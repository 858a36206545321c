# Demo: Autoencoder (Joint) on 64 x 64 crops of the demo photographs,
# multi-level inpainting (K = 1: the reference network). A few minutes on CPU:
#   python tools/data/prepare_demo.py
#   python tools/train.py configs/dlnet/contextencoder_joint_1xb16-300it_demo64-inpaint.py
#   python tools/test.py configs/dlnet/contextencoder_joint_1xb16-300it_demo64-inpaint.py \
#       work_dirs/contextencoder_joint_1xb16-300it_demo64-inpaint/iter_300.pth
_base_ = [
    './_base_/contextencoder_demo64.py',
    './_base_/datasets/demo64_inpainting.py',
]
