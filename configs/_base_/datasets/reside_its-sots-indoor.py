# RESIDE (dehazing) for the InfoAccum family (paper Appendix G.A, Table IV):
# ITS (13,990 hazy images of 1,399 clear scenes) for training, SOTS-indoor (500 hazy
# images) for testing.
# Expected layout under data_root (see configs/infoaccum/README.md for how to get there):
#   data/RESIDE/ITS/hazy/1_1_0.90179.png ...    data/RESIDE/ITS/clear/1.png ...
#   data/RESIDE/ITS/train_pairs.txt           lines 'hazy_name clear_name' (10 hazy per clear)
#   data/RESIDE/SOTS/indoor/hazy/1400_1.png ...  data/RESIDE/SOTS/indoor/gt/1400.png ...
#   data/RESIDE/SOTS/indoor/test_pairs.txt    lines 'hazy_name gt_name' (500 lines)
_base_ = ['./paired_restoration.py']

data_root = 'data/RESIDE'

train_dataloader = dict(dataset=dict(
    data_root=data_root, data_prefix=dict(img='ITS/hazy', gt='ITS/clear'),
    ann_file='ITS/train_pairs.txt'))
val_dataloader = dict(dataset=dict(
    data_root=data_root, data_prefix=dict(img='SOTS/indoor/hazy', gt='SOTS/indoor/gt'),
    ann_file='SOTS/indoor/test_pairs.txt'))
test_dataloader = val_dataloader
