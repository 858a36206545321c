# pix2pix's default learning-rate policy for 200 epochs of Rain12000 (12000 training pairs at
# batch size 1 = 2400000 iterations): constant for the first 100 epochs (n_epochs=100), then
# linear decay to 0 over the last 100 (n_epochs_decay=100), stepped every iteration.
# The per-dataset config sets train_cfg.max_iters = 2400000 (tests check the two agree).
_base_ = ['./pix2pix_constant-lr.py']
param_scheduler = [dict(type='LinearLR', start_factor=1.0, end_factor=0.0, by_epoch=False,
                        begin=1200000, end=2400000)]
