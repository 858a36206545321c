# Table III row 2: the pix2pix generator (UNet-8).
# InfoAccum paper Appendix G.G: trained to reproduce Rain800's clean images (MSE loss).
_base_ = ['../_base_/models/infoaccum_reconstruction.py', './_base_/rain800-recon.py']

model = dict(backbone=dict(
    depth=8))
