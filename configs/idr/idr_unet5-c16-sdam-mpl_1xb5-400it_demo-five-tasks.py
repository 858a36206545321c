# Composition: SDAM + meta-prior learning as plugins of the pix2pix U-Net (UNet-5, 16
# base channels) instead of Restormer, before encoder levels 2 and 3 (16 and 32
# channels), on the demo's five tasks. Any backbone with plugin positions works; the
# restorer's batch context hands the plugins the degraded image and the task labels.
_base_ = ['./idr_restormer-d12-2e1d-n24_1xb5-400it_demo-five-tasks.py']
model = dict(
    backbone=dict(_delete_=True, type='UNetGenerator', depth=5, base_channels=16,
                  plugins=[dict(cfg=dict(type='MetaPriorLearning', num_types=5, num_tokens=24),
                                position=p) for p in ('before_enc2', 'before_enc3')]),
    data_preprocessor=dict(type='RestorationDataPreprocessor', mean=0.5, std=0.5))
