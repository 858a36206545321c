# InfoAccum paper, depth study (Fig. 3, Appendix G.F): pix2pix with a 6-level
# En/Decoder (no skip connections), vanilla GAN loss, on Rain800.
_base_ = ['../_base_/models/infoaccum_endecoder.py', './_base_/rain800.py']
model = dict(backbone=dict(depth=6))
