# IDR (CVPR 2023) on the trimmed Restormer, five-task all-in-one benchmark
# (supplement Tables 1-4, row "2E+1D" / N = 24 / "w/o. clean"). See README.md.
_base_ = [
    '../_base_/default_runtime.py',
    './_base_/schedules/adam_cosine_300k.py',
    './_base_/datasets/five_task_benchmark.py',
    './_base_/models/idr_restormer_trimmed.py',
]
default_hooks = dict(checkpoint=dict(interval=10000))
