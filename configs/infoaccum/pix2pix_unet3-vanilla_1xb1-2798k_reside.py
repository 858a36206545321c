# InfoAccum paper, depth study (Fig. 3, Table I, Fig. 12, Appendix G.F): pix2pix with a
# 3-level U-Net (UNet-3), vanilla GAN loss, on RESIDE.
_base_ = ['../_base_/models/infoaccum_pix2pix.py', './_base_/reside.py']
model = dict(backbone=dict(depth=3))
