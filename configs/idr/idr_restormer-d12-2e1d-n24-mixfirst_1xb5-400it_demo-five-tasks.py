# The demo IDR with every MPL's stage-2 hub mixture taken from the first MPL's (enc1's)
# classifier: enc2 and dec3 have no classifier or SDAM of their own
# (mixture_source='first'), so no classifier reads features that already hold the
# stage-1 known-type hub (the label leak of README, Reproduction). loss_cls is then
# enc1's cross-entropy alone. Every parameter still takes part in every step (no
# find_unused_parameters needed). A few minutes on 2 CPU cores:
#   python tools/train.py \
#       configs/idr/idr_restormer-d12-2e1d-n24-mixfirst_1xb5-400it_demo-five-tasks.py
_base_ = ['./idr_restormer-d12-2e1d-n24_1xb5-400it_demo-five-tasks.py']
mpl = dict(type='MetaPriorLearning', num_types=5, num_tokens=24)
model = dict(backbone=dict(plugins=[
    dict(cfg=mpl, position='after_enc1'),
    dict(cfg=dict(mpl, mixture_source='first'), position='after_enc2'),
    dict(cfg=dict(mpl, mixture_source='first'), position='after_dec3'),
]))
