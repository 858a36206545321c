# InfoAccum paper, depth study (Fig. 3, Table I, Fig. 12, Appendix G.F): pix2pix with a
# 4-level U-Net (UNet-4), vanilla GAN loss, on Rain12000.
_base_ = ['../_base_/models/infoaccum_pix2pix.py', './_base_/rain12000.py']
model = dict(backbone=dict(depth=4))
