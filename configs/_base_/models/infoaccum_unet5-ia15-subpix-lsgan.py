# InfoAccum paper, Table II row 5 (the full model): UNet-5 + LSGAN + InfoAccum-15 +
# SubPixUpsamp (Eq. 15), a 3x3 convolution + PixelShuffle(2) as the outermost upsampling.
_base_ = ['./infoaccum_unet5-ia15-lsgan.py']
model = dict(backbone=dict(upsample='subpixel'))
