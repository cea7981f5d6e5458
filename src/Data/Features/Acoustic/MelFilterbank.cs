namespace Amber.Data.Features.Acoustic;

/// <summary>
/// Triangular filters equally spaced on the HTK mel scale m = 2595·log10(1 + f/700) between 0 Hz and Nyquist, evaluated
/// at the FFT bin frequencies, peak 1, no area normalization (librosa's <c>htk=True, norm=None</c> convention).
/// </summary>
public sealed class MelFilterbank
{
    /// <summary>Weights <c>[bands, bins]</c> row-major, bins = fftSize/2 + 1.</summary>
    public float[] Weights { get; }

    /// <summary>Number of bands.</summary>
    public int Bands { get; }

    /// <summary>Number of FFT bins.</summary>
    public int Bins { get; }

    /// <summary>Builds the filterbank.</summary>
    public MelFilterbank(int bands, int fftSize, int sampleRate, double minHz = 0, double? maxHz = null)
    {
        Bands = bands;
        Bins = fftSize / 2 + 1;
        Weights = new float[bands * Bins];
        double lo = HzToMel(minHz), hi = HzToMel(maxHz ?? sampleRate / 2.0);
        var edges = new double[bands + 2];
        for (int i = 0; i < edges.Length; i++) edges[i] = MelToHz(lo + (hi - lo) * i / (bands + 1));
        for (int b = 0; b < bands; b++)
        {
            double left = edges[b], center = edges[b + 1], right = edges[b + 2];
            for (int k = 0; k < Bins; k++)
            {
                double f = k * (double)sampleRate / fftSize;
                double w = Math.Max(0, Math.Min((f - left) / (center - left), (right - f) / (right - center)));
                Weights[b * Bins + k] = (float)w;
            }
        }
        IndexSupport();
    }

    /// <summary>HTK mel of a frequency.</summary>
    public static double HzToMel(double hz) => 2595.0 * Math.Log10(1 + hz / 700.0);

    /// <summary>Inverse of <see cref="HzToMel"/>.</summary>
    public static double MelToHz(double mel) => 700.0 * (Math.Pow(10, mel / 2595.0) - 1);

    /// <summary>mel[b] = Σ_k W[b,k]·power[k], over each triangle's non-zero bins only (the rows are sparse).</summary>
    public void Apply(ReadOnlySpan<float> power, Span<float> mel)
    {
        for (int b = 0; b < Bands; b++)
        {
            int lo = _first[b], n = _last[b] - lo + 1;
            mel[b] = n <= 0 ? 0 : System.Numerics.Tensors.TensorPrimitives.Dot(Weights.AsSpan(b * Bins + lo, n), power.Slice(lo, n));
        }
    }

    private int[] _first = [];
    private int[] _last = [];

    private void IndexSupport()
    {
        _first = new int[Bands];
        _last = new int[Bands];
        for (int b = 0; b < Bands; b++)
        {
            _first[b] = Bins;
            _last[b] = -1;
            for (int k = 0; k < Bins; k++)
            {
                if (Weights[b * Bins + k] == 0) continue;
                _first[b] = Math.Min(_first[b], k);
                _last[b] = k;
            }
            if (_last[b] < 0) _first[b] = 0;
        }
    }
}
