# Independent references for the feature and NPY tests, written with numpy/scipy (not with the code under test).
# Run from this folder: /usr/bin/python3 make_reference.py  — outputs are committed next to this script.
import math, struct, wave
import numpy as np
import scipy.fft

SR, NFFT, FRAME, HOP, BANDS, NMFCC = 16000, 512, 400, 160, 40, 13

# --- NPY files in every accepted and rejected form -------------------------------------------------------------
a = np.arange(12, dtype=np.float32).reshape(3, 4) / 8
np.save("f4_v1.npy", a)
with open("f8_v2.npy", "wb") as f:
    np.lib.format.write_array(f, (np.arange(6, dtype=np.float64).reshape(2, 3) - 2.5) / 3, version=(2, 0))
with open("f2_v3.npy", "wb") as f:
    np.lib.format.write_array(f, np.array([0.5, -1.25, 2.0, 65504.0, 0.0], dtype=np.float16), version=(3, 0))
np.save("fortran.npy", np.asfortranarray(a))
np.save("int64.npy", np.arange(4, dtype=np.int64))
np.save("big_endian.npy", a.astype(">f4"))

# --- Mel filterbank (HTK mel, triangles of peak 1 at the FFT bin frequencies) --------------------------------------
def hz_to_mel(f): return 2595.0 * np.log10(1.0 + f / 700.0)
def mel_to_hz(m): return 700.0 * (10 ** (m / 2595.0) - 1.0)
edges = mel_to_hz(np.linspace(hz_to_mel(0.0), hz_to_mel(SR / 2), BANDS + 2))
freqs = np.arange(NFFT // 2 + 1) * SR / NFFT
fb = np.zeros((BANDS, NFFT // 2 + 1))
for b in range(BANDS):
    l, c, r = edges[b], edges[b + 1], edges[b + 2]
    fb[b] = np.maximum(0, np.minimum((freqs - l) / (c - l), (r - freqs) / (r - c)))
np.save("mel_40x257.npy", fb)  # float64: also exercises the <f8 reader

# --- A chirp through Python's wave module, and its frame-3 features ----------------------------------------------
n = int(0.3 * SR)
t = np.arange(n) / SR
x = 0.4 * np.sin(2 * np.pi * (150 * t + 0.5 * 2000 * t * t)) + 0.1 * np.sin(2 * np.pi * 3100 * t)
pcm = np.round(x * 32767).astype("<i2")
with wave.open("chirp.wav", "wb") as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(SR); w.writeframes(pcm.tobytes())
xs = pcm.astype(np.float64) / 32768.0
frame = xs[3 * HOP: 3 * HOP + FRAME]
window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(FRAME) / FRAME)  # periodic Hann
spec = np.fft.rfft(frame * window, NFFT)
power = np.abs(spec) ** 2
logmel = np.log(fb @ power + 1e-10)
mfcc = scipy.fft.dct(logmel, type=2, norm="ortho")[:NMFCC]
energy_db = 10 * np.log10(np.mean(frame ** 2) + 1e-12)
zcr = np.sum((frame[1:] >= 0) != (frame[:-1] >= 0)) / (FRAME - 1)
centroid = np.sum(power * freqs) / np.sum(power)
np.save("chirp_frame3_power.npy", power.astype(np.float32))
np.save("chirp_frame3_logmel.npy", logmel.astype(np.float32))
np.save("chirp_frame3_mfcc.npy", mfcc.astype(np.float32))
np.save("chirp_frame3_scalars.npy", np.array([energy_db, zcr, centroid], dtype=np.float32))

# --- numpy percentiles (linear interpolation) of a fixed list -----------------------------------------------------
vals = np.array([3.0, -1.0, 4.5, 10.0, 2.0, 2.0, 7.25])
np.save("percentiles.npy", np.array([np.mean(vals), np.std(vals), np.percentile(vals, 10), np.percentile(vals, 90)], dtype=np.float32))
print("ok")
