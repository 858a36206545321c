# The three-task all-in-one benchmark (AirNet's, used by IDR too): denoise (BSD400 +
# WED, tested on BSD68 at sigma 15/25/50), derain (Rain100L), dehaze (RESIDE OTS,
# tested on SOTS-outdoor). Same folder layout and labels as five_task_benchmark.py.
_base_ = ['./five_task_benchmark.py']

train_dataloader = dict(dataset=dict(tasks={{_base_.three_task_train}}))
val_dataloader = dict(dataset=dict(tasks={{_base_.three_task_test}}))
test_dataloader = val_dataloader
