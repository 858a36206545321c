# InfoAccum paper, depth study (Fig. 3, Table I, Fig. 12, Appendix G.F): pix2pix with a
# 3-level U-Net (UNet-3), vanilla GAN loss, on Rain800.
_base_ = ['../_base_/models/infoaccum_pix2pix.py', './_base_/rain800.py']
model = dict(backbone=dict(depth=3))
