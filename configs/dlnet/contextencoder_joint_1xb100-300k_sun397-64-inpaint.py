# Autoencoder (Joint): the reference network (K = 1) trained on the whole
# range of hole sizes s = 1..30 (centre shifted by -10..10): rigid-joint training (Tables II/IV).
_base_ = [
    '../_base_/default_runtime.py',
    './_base_/schedules/adam_1e-3_300k.py',
    './_base_/models/contextencoder_likelihood.py',
    './_base_/datasets/sun397_inpainting.py',
]
