# InfoAccum paper, Table II row 4: UNet-5 + LSGAN + InfoAccum-15, on RainCityScapes.
_base_ = ['../_base_/models/infoaccum_unet5-ia15-lsgan.py', './_base_/raincityscapes.py']
