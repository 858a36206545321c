# Reconstruction data of the InfoAccum paper's Table III (Appendix G.G): the
# clean background images of Rain800, given as both input and target.
# Layout: data/Rain800/{train,test}/gt/*.png (as in rain800.py).
_base_ = ['./paired_restoration.py']

data_root = 'data/Rain800'

train_dataloader = dict(dataset=dict(
    data_root=data_root, data_prefix=dict(img='train/gt', gt='train/gt')))
val_dataloader = dict(dataset=dict(
    data_root=data_root, data_prefix=dict(img='test/gt', gt='test/gt')))
test_dataloader = val_dataloader
