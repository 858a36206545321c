# Autoencoder (Joint): the reference network (K = 1) trained on the whole
# range of drop rates r in [0, 0.75]: rigid-joint training (Tables III/V).
_base_ = [
    '../_base_/default_runtime.py',
    './_base_/schedules/adam_released_500ep.py',
    './_base_/models/contextencoder_likelihood.py',
    './_base_/datasets/celeba64_interpolation.py',
]
# the released loss scale: sum((x_hat - x)^2) / N / 2 = MSE mean x C*H*W/2
# (see _base_/schedules/adam_released_250ep.py for the decay that goes with it)
model = dict(losses=dict(rec=dict(loss_weight=3 * 64 * 64 / 2)))
# Fine-tuned from the reference model (Sec. IV-A: "by fine-tuning from reference
# models instead of training from scratch"); train that config first.
load_from = 'work_dirs/contextencoder_default-r75_1xb100-250k_celeba64-interp/iter_250000.pth'
