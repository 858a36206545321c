# The paper-size FDR-Net (32 channels, 14 phases, 1,743,727 parameters, the model of the
# fdrnet_c32p14_* configs) on the demo photographs, for the CPU check runs behind its SVDO
# reading and phase residual (issue 22; configs/fdrnet/README.md, "Paper scale"):
#   python tools/data/prepare_demo.py
#   python tools/train.py configs/fdrnet/fdrnet_c32p14_1xb2-200it_demo-hybrid.py \
#       --cfg-options model.losses.svdo.normalize=False     # the literal Eq. 5
# The paper's optimizer (Adam 1e-4, constant over 200 iterations: its x0.8 step comes
# every 9000), moderate-bucket training inputs; batch 2 and 32 x 32 crops (the protocol's
# are 63 x 63, batch 28) so that a run takes minutes on one CPU core. No validation.
_base_ = [
    '../_base_/default_runtime.py',
    './_base_/fdrnet_paper_model.py',
    './_base_/demo_hybrid.py',
]

crop_size = 32
train_pipeline = [
    dict(step, crop_size=crop_size) if step.type == 'RandomCrop' else step
    for step in _base_.train_pipeline
]
train_dataloader = dict(batch_size=2, dataset=dict(pipeline=train_pipeline))

max_iters = 200
train_cfg = dict(type='ResumableIterBasedTrainLoop', max_iters=max_iters)
# no validation (the runs compare training L1); tools/test.py uses the demo's test sets
val_cfg = None
val_dataloader = None
val_evaluator = None
test_cfg = dict(type='TestLoop')
model = dict(test_cfg=dict(keep_input=True))  # for the degraded input's PSNR in testing
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-4, betas=(0.9, 0.999)))
param_scheduler = []
default_hooks = dict(logger=dict(interval=10), checkpoint=dict(interval=max_iters))
