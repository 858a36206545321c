# InfoAccum paper, Table II row 3: UNet-5 + LSGAN, on OutdoorRain-8-2.
_base_ = ['../_base_/models/infoaccum_unet5-lsgan.py', './_base_/outdoorrain-8-2.py']
