# DL-Net tested with the observed pixels pasted back, I_x + (1 - M) * I_y
# (Table VII); a test-time option of the head. Test with
#   python tools/test.py THIS CHECKPOINT
# (the Autoencoder (Joint) row: the same with model.head.num_steps=1).
_base_ = ['./dlnet_contextencoder-k5_1xb100-500k_celeba64-interp.py']
model = dict(head=dict(paste_observed=True))
