# Rain800 (deraining) for the InfoAccum family (paper Appendix G.A, Table IV):
# 700 training pairs for training, the 100 synthetic test pairs (test_syn) for testing.
# Expected layout under data_root (see configs/infoaccum/README.md for how to get there):
#   data/Rain800/train/lq/1.png ... data/Rain800/train/gt/1.png ...    (700, same names)
#   data/Rain800/test/lq/1.png ...  data/Rain800/test/gt/1.png ...     (100)
# (the released files hold each pair side by side: split them into the two folders)
_base_ = ['./paired_restoration.py']

data_root = 'data/Rain800'

train_dataloader = dict(dataset=dict(
    data_root=data_root, data_prefix=dict(img='train/lq', gt='train/gt')))
val_dataloader = dict(dataset=dict(
    data_root=data_root, data_prefix=dict(img='test/lq', gt='test/gt')))
test_dataloader = val_dataloader
