# Rain12000 (DID-MDN "Rain1200", deraining), InfoAccum paper Appendix G.A, Table IV:
# 12,000 training pairs (heavy, medium and light rain) for training, 1,200 test pairs for testing.
# Expected layout under data_root (see configs/infoaccum/README.md for how to get there):
#   data/Rain12000/train/lq/heavy_1.png ... data/Rain12000/train/gt/heavy_1.png ... (12000)
#   data/Rain12000/test/lq/1.png ...  data/Rain12000/test/gt/1.png ...                (1200)
# (the released files hold each pair side by side: split them into the two folders;
#  prefix the density sub-folder to keep the 3 x 4000 training names unique)
_base_ = ['./paired_restoration.py']

data_root = 'data/Rain12000'

train_dataloader = dict(dataset=dict(
    data_root=data_root, data_prefix=dict(img='train/lq', gt='train/gt')))
val_dataloader = dict(dataset=dict(
    data_root=data_root, data_prefix=dict(img='test/lq', gt='test/gt')))
test_dataloader = val_dataloader
