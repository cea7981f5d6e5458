# Reference side of ./bench.sh features: the same frame-level descriptors computed with numpy/scipy, vectorized over
# frames (FFT, log-mel, MFCC, energy, ZCR, centroid, normalized-autocorrelation pitch), for the same utterances.
# Prints its wall time and how far the C# MFCC/energy means are from numpy's for the utterances both computed.
import json, sys, time, wave
import numpy as np
import scipy.fft

SR, NFFT, FRAME, HOP, BANDS, NMFCC = 16000, 512, 400, 160, 40, 13

def mel_bank():
    hz2mel = lambda f: 2595.0 * np.log10(1.0 + f / 700.0)
    mel2hz = lambda m: 700.0 * (10 ** (m / 2595.0) - 1.0)
    edges = mel2hz(np.linspace(0, hz2mel(SR / 2), BANDS + 2))
    freqs = np.arange(NFFT // 2 + 1) * SR / NFFT
    fb = np.zeros((BANDS, NFFT // 2 + 1))
    for b in range(BANDS):
        l, c, r = edges[b:b + 3]
        fb[b] = np.maximum(0, np.minimum((freqs - l) / (c - l), (r - freqs) / (r - c)))
    return fb, freqs

FB, FREQS = mel_bank()
WINDOW = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(FRAME) / FRAME)

def read(path):
    with wave.open(path) as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768.0

def features(x):
    n = 1 if len(x) < FRAME else 1 + (len(x) - FRAME) // HOP
    pad = np.zeros(max(len(x), (n - 1) * HOP + FRAME), dtype=np.float32); pad[:len(x)] = x
    frames = np.lib.stride_tricks.sliding_window_view(pad, FRAME)[::HOP][:n]
    power = np.abs(np.fft.rfft(frames * WINDOW, NFFT, axis=1)) ** 2
    logmel = np.log(power @ FB.T + 1e-10)
    mfcc = scipy.fft.dct(logmel, type=2, norm="ortho", axis=1)[:, :NMFCC]
    energy = 10 * np.log10(np.mean(frames.astype(np.float64) ** 2, axis=1) + 1e-12)
    zcr = np.sum((frames[:, 1:] >= 0) != (frames[:, :-1] >= 0), axis=1) / (FRAME - 1)
    centroid = (power @ FREQS) / np.maximum(power.sum(1), 1e-30)
    # Pitch: normalized cross-correlation over lags 40..267 (60–400 Hz), as in the C# tracker.
    lags = np.arange(39, 269)
    need = (n - 1) * HOP + FRAME + lags[-1] + 1
    ext = np.zeros(max(need, len(x)), dtype=np.float64); ext[:len(x)] = x
    starts = np.arange(n) * HOP
    base = np.lib.stride_tricks.sliding_window_view(ext, FRAME)
    e0 = np.einsum("ij,ij->i", base[starts], base[starts])
    sq = np.concatenate([[0], np.cumsum(ext ** 2)])
    r = np.empty((n, len(lags)))
    for k, lag in enumerate(lags):
        num = np.einsum("ij,ij->i", base[starts], base[starts + lag])
        el = sq[starts + lag + FRAME] - sq[starts + lag]
        r[:, k] = num / np.sqrt(np.maximum(e0 * el, 1e-30))
    pitch = np.where(r[:, 1:-1].max(1) > 0.5, SR / lags[1:-1][r[:, 1:-1].argmax(1)], 0.0)
    active = energy >= energy.max() - 40
    return np.concatenate([mfcc[active].mean(0), [energy[active].mean()], [zcr[active].mean(), centroid[active].mean()], [np.mean(pitch > 0)]])

def main(manifest_path, store_root, wav_list):
    wavs = [l.strip() for l in open(wav_list) if l.strip()]
    t = time.perf_counter()
    ref = np.array([features(read(p)) for p in wavs])
    seconds = time.perf_counter() - t
    m = json.load(open(manifest_path))
    ours = np.concatenate([np.load(f"{store_root}/{s['name']}") for s in m["shards"] if s["kind"] == "speech"])
    names = m["speech_names"]
    cols = [names.index(f"mfcc{i}_mean") for i in range(NMFCC)] + [names.index("energy_db_mean")]
    diff = np.abs(ours[:len(wavs), cols] - ref[:, :NMFCC + 1])
    print(f"reference_s={seconds:.3f} utterances={len(wavs)} mfcc_energy_mean_max_abs_diff={diff.max():.2e}")

if __name__ == "__main__":
    main(*sys.argv[1:4])
