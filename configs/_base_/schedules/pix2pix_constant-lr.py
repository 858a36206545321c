# pix2pix-style training loop at a constant learning rate (no parameter scheduler).
# The InfoAccum paper's configs use pix2pix_linear-decay_<data>.py instead, which adds
# pix2pix's default decay over the second half; list this file in its place to train at
# a constant rate. The config (or its per-dataset base) sets max_iters and val_interval.
train_cfg = dict(type='ResumableIterBasedTrainLoop')
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
param_scheduler = []
