# InfoAccum paper, depth study (Fig. 3, Table I, Fig. 12, Appendix G.F): pix2pix with a
# 5-level U-Net (UNet-5), vanilla GAN loss, on SIDD.
_base_ = ['../_base_/models/infoaccum_pix2pix.py', './_base_/sidd.py']
model = dict(backbone=dict(depth=5))
