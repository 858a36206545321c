# InfoAccum paper, Table II row 2: pix2pix (UNet-8) + LSGAN, on Rain800.
_base_ = ['../_base_/models/infoaccum_unet8-lsgan.py', './_base_/rain800.py']
