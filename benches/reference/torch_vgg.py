"""VGG16's features and the loss's pieces in PyTorch, shared by torch_eval.py and
torch_transfer.py: torchvision's layer layout (13 convolutions, max-pools after blocks
1 to 4), ImageNet normalisation, Gram matrices and total variation as docs/maths.md
defines them for impasto.
"""
import torch
import torch.nn.functional as F

# Output channels of each convolution, "M" for a 2x2 max-pool.
VGG16 = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]
# Each convolution's index in torchvision's `features` (its weight is features.K.weight).
CONV_KEYS = [0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28]
# The ReLU after each convolution: relu1_1, relu1_2, relu2_1, ... relu5_3.
NAMES = [f"relu{b}_{i}" for b, n in enumerate([2, 2, 3, 3, 3], start=1) for i in range(1, n + 1)]
MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]


def features(x, weights, wanted, last):
    """The activations named in `wanted` of the image `x` ([1, 3, H, W], pixels in
    [0, 1]), the network run up to the layer `last`; `weights` is one (weight, bias) pair
    per convolution."""
    mean = torch.tensor(MEAN, device=x.device).view(1, 3, 1, 1)
    std = torch.tensor(STD, device=x.device).view(1, 3, 1, 1)
    h, out, k = (x - mean) / std, {}, 0
    for v in VGG16:
        if v == "M":
            h = F.max_pool2d(h, 2)
            continue
        w, b = weights[k]
        h = F.relu(F.conv2d(h, w, b, padding=1))
        name = NAMES[k]
        k += 1
        if name in wanted:
            out[name] = h
        if name == last:
            break
    return out


def gram(f):
    """F F^T of one image's activations, [C, C], unnormalised."""
    _, c, hh, ww = f.shape
    f = f.reshape(c, hh * ww)
    return f @ f.t()


def total_variation(x):
    """The sum of squared differences between neighbouring pixels, down and across."""
    return ((x[:, :, 1:, :] - x[:, :, :-1, :]) ** 2).sum() + ((x[:, :, :, 1:] - x[:, :, :, :-1]) ** 2).sum()
