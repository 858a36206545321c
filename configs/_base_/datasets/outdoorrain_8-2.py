# OutdoorRain-8-2 (heavy rain: deraining + dehazing), InfoAccum paper Appendix G.A, Table IV:
# a seeded random 80% (7,200) of the OutdoorRain training set for training, the other 20%
# (1,800) for testing (its official test set is not public).
# Expected layout under data_root (see configs/infoaccum/README.md for how to get there):
#   data/OutdoorRain/train/in/<name>.png    data/OutdoorRain/train/gt/<clean name>.png
#   data/OutdoorRain/split_8-2/train.txt, test.txt  lines 'in_name gt_name' (7200 / 1800),
#   written once by the seeded split in configs/infoaccum/README.md
_base_ = ['./paired_restoration.py']

data_root = 'data/OutdoorRain'

train_dataloader = dict(dataset=dict(
    data_root=data_root, data_prefix=dict(img='train/in', gt='train/gt'),
    ann_file='split_8-2/train.txt'))
val_dataloader = dict(dataset=dict(
    data_root=data_root, data_prefix=dict(img='train/in', gt='train/gt'),
    ann_file='split_8-2/test.txt'))
test_dataloader = val_dataloader
