using System.Numerics.Tensors;
using MathNet.Numerics.IntegralTransforms;

namespace Amber.Data.Features.Acoustic;

/// <summary>
/// Frame-level descriptors of one utterance: power spectrum (periodic Hann window, unscaled forward FFT), log-mel
/// energies, MFCCs, log energy, zero-crossing rate, spectral centroid, 85 % roll-off and octave-band spectral contrast.
/// One instance per thread: it owns its buffers.
/// </summary>
public sealed class FrameAnalyzer
{
    /// <summary>Octave-like band edges (Hz) of the spectral contrast.</summary>
    public static IReadOnlyList<double> ContrastEdges { get; } = [0, 200, 400, 800, 1600, 3200, 8000];

    private readonly AcousticOptions _o;
    private readonly MelFilterbank _mel;
    private readonly float[] _window;
    private readonly MathNet.Numerics.Complex32[] _half;
    private readonly double[] _twiddleRe;
    private readonly double[] _twiddleIm;
    private readonly float[] _dct;
    private readonly float[] _melBuffer;
    private readonly float[] _sorted;

    /// <summary>Creates an analyzer for the given settings.</summary>
    public FrameAnalyzer(AcousticOptions options)
    {
        _o = options;
        _mel = new MelFilterbank(options.MelBands, options.FftSize, options.SampleRate);
        _window = new float[options.FrameLength];
        for (int i = 0; i < _window.Length; i++) _window[i] = (float)(0.5 - 0.5 * Math.Cos(2 * Math.PI * i / _window.Length));
        if (options.FftSize < 4 || (options.FftSize & (options.FftSize - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.FftSize, "FftSize must be a power of two ≥ 4");
        }
        if (options.FrameLength > options.FftSize) throw new ArgumentOutOfRangeException(nameof(options), options.FrameLength, "FrameLength must not exceed FftSize");
        _half = new MathNet.Numerics.Complex32[options.FftSize / 2];
        _twiddleRe = new double[options.FftSize / 2 + 1];
        _twiddleIm = new double[options.FftSize / 2 + 1];
        for (int k = 0; k <= options.FftSize / 2; k++)
        {
            _twiddleRe[k] = Math.Cos(-2 * Math.PI * k / options.FftSize);
            _twiddleIm[k] = Math.Sin(-2 * Math.PI * k / options.FftSize);
        }
        _melBuffer = new float[options.MelBands];
        _sorted = new float[options.FftSize / 2 + 1];
        _dct = DctMatrix(options.Mfccs, options.MelBands);
    }

    /// <summary>Number of spectral-contrast bands.</summary>
    public static int ContrastBands => ContrastEdges.Count - 1;

    /// <summary>Orthonormal DCT-II rows <c>[mfccs, bands]</c> (scipy's <c>dct(type=2, norm='ortho')</c>).</summary>
    public static float[] DctMatrix(int rows, int n)
    {
        var m = new float[rows * n];
        for (int k = 0; k < rows; k++)
        {
            double scale = k == 0 ? Math.Sqrt(1.0 / n) : Math.Sqrt(2.0 / n);
            for (int i = 0; i < n; i++) m[k * n + i] = (float)(scale * Math.Cos(Math.PI * k * (2 * i + 1) / (2.0 * n)));
        }
        return m;
    }

    /// <summary>Power spectrum |X_k|² of one frame (k = 0..FftSize/2) into <paramref name="power"/>.</summary>
    /// <remarks>
    /// The real N-point FFT runs as one complex N/2-point MathNet FFT of z[n] = x[2n] + i·x[2n+1], split afterwards into
    /// the even and odd halves: X[k] = E[k] + e^(−2πik/N)·O[k] with E = (Z[k] + conj Z[M−k]) / 2 and
    /// O = (Z[k] − conj Z[M−k]) / 2i — half the work of a full-length transform.
    /// </remarks>
    public void PowerSpectrum(ReadOnlySpan<float> frame, Span<float> power)
    {
        int n = Math.Min(frame.Length, _window.Length), m = _half.Length;
        for (int j = 0; j < m; j++)
        {
            float even = 2 * j < n ? frame[2 * j] * _window[2 * j] : 0;
            float odd = 2 * j + 1 < n ? frame[2 * j + 1] * _window[2 * j + 1] : 0;
            _half[j] = new MathNet.Numerics.Complex32(even, odd);
        }
        Fourier.Forward(_half, FourierOptions.Matlab);
        for (int k = 0; k <= m; k++)
        {
            var zk = _half[k % m];
            var zc = _half[(m - k) % m];
            double eRe = 0.5 * (zk.Real + zc.Real), eIm = 0.5 * (zk.Imaginary - zc.Imaginary);
            double oRe = 0.5 * (zk.Imaginary + zc.Imaginary), oIm = -0.5 * (zk.Real - zc.Real);
            double re = eRe + _twiddleRe[k] * oRe - _twiddleIm[k] * oIm;
            double im = eIm + _twiddleRe[k] * oIm + _twiddleIm[k] * oRe;
            power[k] = (float)(re * re + im * im);
        }
    }

    /// <summary>
    /// Analyzes one frame: writes log-mel [MelBands], MFCC [Mfccs] and contrast [ContrastBands]; returns
    /// (log energy in dB of the mean square, zero-crossing rate per sample, centroid Hz, roll-off Hz).
    /// </summary>
    public (float EnergyDb, float Zcr, float Centroid, float Rolloff) Analyze(ReadOnlySpan<float> frame, Span<float> power,
        Span<float> logMel, Span<float> mfcc, Span<float> contrast)
    {
        int bins = _o.FftSize / 2 + 1;
        PowerSpectrum(frame, power);
        _mel.Apply(power, _melBuffer);
        for (int b = 0; b < _melBuffer.Length; b++) logMel[b] = MathF.Log(_melBuffer[b] + 1e-10f);
        for (int k = 0; k < _o.Mfccs; k++) mfcc[k] = TensorPrimitives.Dot(_dct.AsSpan(k * _o.MelBands, _o.MelBands), logMel[.._o.MelBands]);

        double sq = TensorPrimitives.Dot(frame, frame) / Math.Max(1, frame.Length);
        float energyDb = (float)(10 * Math.Log10(sq + 1e-12));
        int crossings = 0;
        for (int i = 1; i < frame.Length; i++) if ((frame[i - 1] >= 0) != (frame[i] >= 0)) crossings++;
        float zcr = frame.Length > 1 ? crossings / (float)(frame.Length - 1) : 0;

        double total = 0, weighted = 0;
        double binHz = _o.SampleRate / (double)_o.FftSize;
        for (int k = 0; k < bins; k++)
        {
            total += power[k];
            weighted += power[k] * k * binHz;
        }
        float centroid = total > 0 ? (float)(weighted / total) : 0;
        float rolloff = 0;
        double acc = 0;
        for (int k = 0; k < bins; k++)
        {
            acc += power[k];
            if (acc >= 0.85 * total)
            {
                rolloff = (float)(k * binHz);
                break;
            }
        }
        for (int band = 0; band < ContrastBands; band++)
        {
            int lo = (int)Math.Ceiling(ContrastEdges[band] / binHz), hi = Math.Min(bins - 1, (int)Math.Floor(ContrastEdges[band + 1] / binHz));
            int count = hi - lo + 1;
            var slice = _sorted.AsSpan(0, count);
            power.Slice(lo, count).CopyTo(slice);
            slice.Sort();
            int q = Math.Max(1, count / 5);
            double valley = 0, peak = 0;
            for (int i = 0; i < q; i++)
            {
                valley += slice[i];
                peak += slice[count - 1 - i];
            }
            contrast[band] = (float)(10 * Math.Log10((peak / q + 1e-12) / (valley / q + 1e-12)));
        }
        return (energyDb, zcr, centroid, rolloff);
    }
}
