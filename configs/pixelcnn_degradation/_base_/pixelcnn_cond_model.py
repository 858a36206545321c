# The paper's degradation model (Sec. 4.1): conditional PixelCNN++, 6 conditional blocks, 100
# channels, PixelCNN++'s 10-component discretized logistic mixture, trained by maximum
# likelihood (bits/dim). The experiment configs set PixelCNN++'s Adam (lr 1e-3, betas
# (0.95, 0.9995)); the paper gives no schedule.
model = dict(
    type='DegradationDensityModel',
    density=dict(type='ConditionalPixelCNN', in_channels=3, cond_channels=3, channels=100,
                 num_blocks=6, num_mix=10, dropout=0.5, cond_kernel_size=3),
    loss=dict(type='DiscretizedLogisticMixtureLoss', unit='bits_per_dim'),
    data_preprocessor=dict(type='RestorationDataPreprocessor', mean=0.5, std=0.5),
    test_cfg=dict(unpaired=True),
)
