# InfoAccum paper, Table II row 3: UNet-5 + LSGAN, on RESIDE.
_base_ = ['../_base_/models/infoaccum_unet5-lsgan.py', './_base_/reside.py']
