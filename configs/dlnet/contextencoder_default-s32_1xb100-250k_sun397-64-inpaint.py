# Autoencoder (Default) on SUN397, the reference inpainting model (Table IV):
# centred 32 x 32 holes only; Autoencoder (Joint) is fine-tuned from it.
_base_ = ['./contextencoder_joint_1xb100-500k_sun397-64-inpaint.py']
train_dataloader = dict(dataset=dict(degradation=dict(side_range=(32, 32), shift_range=(0, 0))))
# The reference model: 250 epochs from scratch, x0.1 every 100 epochs (Sec. IV-A).
load_from = None
max_iters = 250000
train_cfg = dict(max_iters=max_iters)
param_scheduler = [dict(type='MultiStepLR', by_epoch=False, milestones=[100000, 200000],
                        gamma=0.1)]
