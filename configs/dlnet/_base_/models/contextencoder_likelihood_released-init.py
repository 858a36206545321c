# The context-encoder model base (contextencoder_likelihood.py) with the released
# TensorFlow code's initialisation and BatchNorm (yiwenguo/Deep-Likelihood-Network),
# where the default follows the paper's text (MSRA convs, "a random Gaussian" FC):
# - every conv and transposed conv, h's included: tf.contrib.layers.
#   variance_scaling_initializer() (factor 2, fan-in, truncated normal; a transposed
#   conv's fan-in counts its output channels, TF's conv2d_transpose layout);
# - the channel-wise FC: N(0, 0.001);
# - BatchNorm: tf.layers.batch_normalization's eps 1e-3 and momentum 0.99 (torch's
#   momentum is the weight of the new batch: 1 - 0.99 = 0.01).
# Use it in place of ./contextencoder_likelihood.py in an experiment's _base_ list.
_base_ = ['./contextencoder_likelihood.py']
model = dict(
    backbone=dict(norm_cfg=dict(type='BN', eps=1e-3, momentum=0.01),
                  init_cfg=[dict(type='irtoolbox.TFVarianceScaling', layer=['Conv2d',
                                                                           'ConvTranspose2d']),
                            dict(type='Normal', layer='ChannelwiseFC', std=0.001)]),
    head=dict(output_layer=dict(
        init_cfg=dict(type='irtoolbox.TFVarianceScaling', layer='ConvTranspose2d'))))
