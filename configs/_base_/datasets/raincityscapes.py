# RainCityScapes (deraining + dehazing) for the InfoAccum family (paper Appendix G.A, Table IV):
# 9,432 training images for training, 1,188 test images for testing.
# Expected layout under data_root (see configs/infoaccum/README.md for how to get there):
#   data/RainCityScapes/leftImg8bit_rain/{train,val}/<city>/<name>_leftImg8bit_rain_alpha_..png
#   data/RainCityScapes/leftImg8bit/{train,val}/<city>/<name>_leftImg8bit.png
#   data/RainCityScapes/train_pairs.txt, test_pairs.txt  lines
#       'train/<city>/<rainy name> train/<city>/<clear name>' (paths below the two folders)
_base_ = ['./paired_restoration.py']

data_root = 'data/RainCityScapes'
crop_size = 512

# The base's train_pipeline holds its own crop size (a base is not re-run with the
# child's variables): rebuild it with this one.
train_pipeline = [
    dict(step, crop_size=crop_size) if step.type == 'PairedRandomCrop' else step
    for step in _base_.train_pipeline
]
train_dataloader = dict(dataset=dict(
    data_root=data_root, data_prefix=dict(img='leftImg8bit_rain', gt='leftImg8bit'),
    ann_file='train_pairs.txt', pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(
    data_root=data_root, data_prefix=dict(img='leftImg8bit_rain', gt='leftImg8bit'),
    ann_file='test_pairs.txt'))
test_dataloader = val_dataloader
