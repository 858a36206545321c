# SUN397 64 x 64, multi-level inpainting (DL-Net Table IV). Layout
# (configs/dlnet/README.md): data/sun397_64/{train,val,test}/*.png.
_base_ = ['./celeba64_inpainting.py']
data_root = 'data/sun397_64'
train_dataloader = dict(dataset=dict(dataset=dict(data_root=data_root)))
test_dataloader = dict(dataset=dict(dataset=dict(data_root=data_root)))
val_dataloader = dict(dataset=dict(dataset=dict(data_root=data_root)))
