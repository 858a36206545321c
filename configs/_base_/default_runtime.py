# Runtime shared by every irtoolbox config (OpenMMLab 2.x layout).
default_scope = 'irtoolbox'

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # mmengine's CheckpointHook plus atomic saves, crash-safe pruning order and
    # safe loading during the run (docs/reliability.md).
    checkpoint=dict(type='SafeCheckpointHook', interval=1000, by_epoch=False,
                    max_keep_ckpts=3, save_last=True),
    sampler_seed=dict(type='DistSamplerSeedHook'),
)
custom_hooks = [
    dict(type='NonFiniteLossGuardHook'),
    # Python/numpy/torch RNG states in every checkpoint: exact resume with dropout too.
    dict(type='RNGStateHook'),
    dict(type='RestorationVisualizationHook', max_images=4),
]

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)

vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='Visualizer', vis_backends=vis_backends, name='visualizer')

log_processor = dict(type='LogProcessor', window_size=50, by_epoch=False)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0, deterministic=False)
