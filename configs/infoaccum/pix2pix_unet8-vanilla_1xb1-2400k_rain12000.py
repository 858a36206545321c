# InfoAccum paper, Table II row 1: pix2pix (UNet-8), vanilla GAN loss, on Rain12000.
_base_ = ['../_base_/models/infoaccum_pix2pix.py', './_base_/rain12000.py']
