# Autoencoder (Joint): the reference network (K = 1) trained on the whole
# range of drop rates r in [0, 0.75]: rigid-joint training (Tables III/V).
_base_ = [
    '../_base_/default_runtime.py',
    './_base_/schedules/adam_1e-3_300k.py',
    './_base_/models/contextencoder_likelihood.py',
    './_base_/datasets/sun397_interpolation.py',
]
