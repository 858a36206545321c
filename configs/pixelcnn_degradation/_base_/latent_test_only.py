# The latent-restoration configs run tools/test.py only: PSNR / SSIM on the test split, no
# validation. mmengine wants the three training entries together, so the experiment file
# also sets `train_dataloader = test_dataloader` (never iterated).
_base_ = ['./pixelcnn_runtime.py', '../../_base_/schedules/iter_adam.py']
test_evaluator = [dict(type='PSNR'), dict(type='SSIM')]
val_dataloader = None
val_evaluator = None
val_cfg = None
train_cfg = dict(max_iters=1, val_interval=1000)
