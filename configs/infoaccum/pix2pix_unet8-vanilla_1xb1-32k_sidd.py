# InfoAccum paper, Table II row 1: pix2pix (UNet-8), vanilla GAN loss, on SIDD.
_base_ = ['../_base_/models/infoaccum_pix2pix.py', './_base_/sidd.py']
