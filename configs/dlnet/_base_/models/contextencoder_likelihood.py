# The context-encoder autoencoder split at z (g = backbone) with DL-Net's
# likelihood head holding h (ReLU + ConvT 64 -> 3). num_steps=1 is exactly the
# reference autoencoder (the baselines); DL-Net sets num_steps=5. Images are
# normalised to [-1, 1] as in the paper.
model = dict(
    type='Restorer',
    backbone=dict(type='ContextEncoderAE', with_output_layer=False),
    head=dict(type='LikelihoodHead', output_layer=dict(in_channels=64), num_steps=1,
              step_size=1e-3),
    # Eq. 6: the mean squared error over pixels and images
    losses=dict(rec=dict(type='MSELoss', loss_weight=1.0)),
    data_preprocessor=dict(type='RestorationDataPreprocessor', mean=0.5, std=0.5),
)
