# DID-MDN deraining (FDR-Net Sec. 4.2, Table 4): 12,000 training pairs, 1,200 test pairs.
# Layout: configs/_base_/datasets/rain12000.py (data/Rain12000/{train,test}/{lq,gt}).
# Training crops of 64 x 64 and batch 28 (crop not given in the paper: our choice).
_base_ = ['../../_base_/datasets/rain12000.py']

crop_size = 64
train_pipeline = [
    dict(step, crop_size=crop_size) if step.type == 'PairedRandomCrop' else step
    for step in _base_.train_pipeline
]
train_dataloader = dict(batch_size=28, dataset=dict(pipeline=train_pipeline))
