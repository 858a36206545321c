# InfoAccum paper, Table II row 2: pix2pix (UNet-8) + LSGAN (Section VI.3, Eq. 17): the
# least-squares GAN loss in place of pix2pix's vanilla (cross-entropy) one.
_base_ = ['./infoaccum_pix2pix.py']
model = dict(gan_loss=dict(gan_type='lsgan'))
