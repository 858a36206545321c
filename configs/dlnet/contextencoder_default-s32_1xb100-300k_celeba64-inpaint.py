# Autoencoder (Default): trained on centred 32 x 32 holes only (the context
# encoder's setting), tested on every level (Table II, first row).
_base_ = ['./contextencoder_joint_1xb100-300k_celeba64-inpaint.py']
train_dataloader = dict(dataset=dict(degradation=dict(side_range=(32, 32), shift_range=(0, 0))))
