# SUN397 64 x 64, multi-level interpolation (DL-Net Table V). Layout
# (configs/dlnet/README.md): data/sun397_64/{train,val,test}/*.png.
_base_ = ['./celeba64_interpolation.py']
data_root = 'data/sun397_64'
train_dataloader = dict(dataset=dict(dataset=dict(data_root=data_root)))
test_dataloader = dict(dataset=dict(dataset=dict(data_root=data_root)))
val_dataloader = dict(dataset=dict(dataset=dict(data_root=data_root)))
