# FDR-Net (Li et al., ECCV 2020) as a Restorer: L1 + 1e-5 * SVDO (Eq. 8). SVDO reads every
# FD-layer output through the restorer's feature tap 'fd' ('**' spans any module names,
# '*' one name: backbone.phases.<k>.lower.fd_layers.<i>); the backbone knows nothing of it.
model = dict(
    type='Restorer',
    backbone=dict(type='FDRNet', in_channels=3, out_channels=3, mid_channels=32, num_phases=13,
                  num_fd_layers=3, num_process_blocks=1, num_aux_blocks=1),
    losses=dict(l1=dict(type='L1Loss', loss_weight=1.0),
                svdo=dict(type='SVDOLoss', tap='fd', loss_weight=1e-5)),
    feature_taps=dict(fd='backbone.**.fd_layers.*'),
    data_preprocessor=dict(type='RestorationDataPreprocessor'),
)
