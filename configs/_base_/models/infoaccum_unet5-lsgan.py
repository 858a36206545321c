# InfoAccum paper, Table II row 3: UNet-5 + LSGAN (Section VI.4): five down/up-sampling levels
# instead of pix2pix's eight. UNet-5 has no 8*ngf middle blocks, so no dropout.
_base_ = ['./infoaccum_unet8-lsgan.py']
model = dict(backbone=dict(depth=5, use_dropout=False))
