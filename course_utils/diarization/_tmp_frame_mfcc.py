import numpy as np
from ..features import mfcc
def frame_mfcc(y, sr, n_mfcc=20, *, cmvn=True):
    F = mfcc(y, sr, n_mfcc=n_mfcc).T.astype(np.float64)
    if cmvn:
        F = (F - F.mean(0)) / (F.std(0) + 1e-8)
    return F
