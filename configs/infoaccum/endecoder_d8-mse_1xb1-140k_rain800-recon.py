# Table III row 1: En/Decoder (8 levels, no skips, max-pool down, nearest up).
# InfoAccum paper Appendix G.G: trained to reproduce Rain800's clean images (MSE loss).
_base_ = ['../_base_/models/infoaccum_reconstruction.py', './_base_/rain800-recon.py']

model = dict(backbone=dict(_delete_=True, type='EnDecoder', in_channels=3, out_channels=3,
                            depth=8, base_channels=64, norm_cfg=dict(type='BN')))
