# The En/Decoder generator of the InfoAccum paper's depth study (Fig. 3, Appendix G.F):
# pix2pix training (infoaccum_pix2pix.py) with a skip-free encoder-decoder (2x2 max-pool down,
# nearest up) in place of the U-Net. The depth sweep sets backbone.depth = 1..8.
_base_ = ['./infoaccum_pix2pix.py']
model = dict(backbone=dict(_delete_=True, type='EnDecoder', in_channels=3, out_channels=3,
                           depth=8, base_channels=64, norm_cfg=dict(type='BN')))
