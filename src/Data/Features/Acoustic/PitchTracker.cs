namespace Amber.Data.Features.Acoustic;

/// <summary>
/// Frame-wise pitch from the normalized cross-correlation r(L) = Σx[n]x[n+L] / √(Σx[n]²·Σx[n+L]²) over one frame, searched
/// over lags of MinPitch..MaxPitch, refined by a parabola through the peak. The normalization makes the voicing decision
/// independent of loudness; a frame is voiced when the peak exceeds the threshold.
/// </summary>
public static class PitchTracker
{
    /// <summary>Pitch in Hz per frame (0 when unvoiced) and the correlation peak per frame.</summary>
    public static (float[] Hz, float[] Strength) Track(ReadOnlySpan<float> samples, AcousticOptions o)
    {
        int frames = FrameCount(samples.Length, o);
        var hz = new float[frames];
        var strength = new float[frames];
        int minLag = (int)Math.Floor(o.SampleRate / o.MaxPitch), maxLag = (int)Math.Ceiling(o.SampleRate / o.MinPitch);
        int w = o.FrameLength;
        var r = new float[maxLag + 2];
        // Prefix sums of squares give every lagged frame's energy in O(1).
        var squares = new double[samples.Length + 1];
        for (int i = 0; i < samples.Length; i++) squares[i + 1] = squares[i] + (double)samples[i] * samples[i];
        for (int f = 0; f < frames; f++)
        {
            int start = f * o.Hop;
            if (start + w + maxLag + 1 > samples.Length) break;
            var x = samples.Slice(start, w);
            float e0 = System.Numerics.Tensors.TensorPrimitives.Dot(x, x);
            if (e0 <= 1e-10f) continue;
            int best = -1;
            for (int lag = minLag - 1; lag <= maxLag + 1; lag++)
            {
                var y = samples.Slice(start + lag, w);
                float num = System.Numerics.Tensors.TensorPrimitives.Dot(x, y);
                float el = (float)(squares[start + lag + w] - squares[start + lag]);
                r[lag] = el > 0 ? num / MathF.Sqrt(e0 * el) : 0;
            }
            for (int lag = minLag; lag <= maxLag; lag++)
            {
                if (r[lag] >= r[lag - 1] && r[lag] >= r[lag + 1] && (best < 0 || r[lag] > r[best])) best = lag;
            }
            if (best < 0) continue;
            // Prefer the shortest lag whose peak is nearly as high: a periodic signal also peaks at 2T, 3T…
            for (int lag = minLag; lag < best; lag++)
            {
                if (r[lag] >= r[lag - 1] && r[lag] >= r[lag + 1] && r[lag] >= 0.9f * r[best])
                {
                    best = lag;
                    break;
                }
            }
            strength[f] = r[best];
            if (r[best] < o.VoicingThreshold) continue;
            double denom = r[best - 1] - 2 * r[best] + r[best + 1];
            double shift = Math.Abs(denom) > 1e-12 ? 0.5 * (r[best - 1] - r[best + 1]) / denom : 0;
            hz[f] = (float)(o.SampleRate / (best + Math.Clamp(shift, -0.5, 0.5)));
        }
        return (hz, strength);
    }

    /// <summary>Frames of <paramref name="length"/> samples: one per hop while a full frame fits (at least one).</summary>
    public static int FrameCount(int length, AcousticOptions o) => length < o.FrameLength ? 1 : 1 + (length - o.FrameLength) / o.Hop;
}
