# InfoAccum paper, Table II row 3: UNet-5 + LSGAN, on SIDD.
_base_ = ['../_base_/models/infoaccum_unet5-lsgan.py', './_base_/sidd.py']
