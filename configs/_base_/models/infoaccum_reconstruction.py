# Reconstruction autoencoders of the InfoAccum paper's Table III (Appendix G.G):
# a generator network trained to reproduce its (clean) input with an MSE loss;
# the closer the output to the input, the less information the network loses.
# The backbone is set by each config; the optimizer matches the GAN generator's; the
# schedule lives in configs/_base_/schedules/.
model = dict(
    type='Restorer',
    backbone=dict(type='UNetGenerator', in_channels=3, out_channels=3, depth=5,
                  base_channels=64, norm_cfg=dict(type='BN'), use_dropout=False,
                  upsample='deconv'),
    losses=dict(mse=dict(type='MSELoss', loss_weight=1.0)),
    data_preprocessor=dict(type='RestorationDataPreprocessor', mean=0.5, std=0.5),
    test_cfg=dict(bn_train_mode=True),  # per-image BatchNorm statistics, as infoaccum_pix2pix.py
)

optim_wrapper = dict(type='OptimWrapper',
                     optimizer=dict(type='Adam', lr=2e-4, betas=(0.5, 0.999), weight_decay=0))
