# InfoAccum paper, Table II row 5: UNet-5 + LSGAN + InfoAccum-15 + SubPixUpsamp, on SIDD.
_base_ = ['../_base_/models/infoaccum_unet5-ia15-subpix-lsgan.py', './_base_/sidd.py']
