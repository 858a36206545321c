# InfoAccum paper, Table II row 4: UNet-5 + LSGAN + InfoAccum-15, on Rain12000.
_base_ = ['../_base_/models/infoaccum_unet5-ia15-lsgan.py', './_base_/rain12000.py']
