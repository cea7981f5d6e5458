namespace Amber.Data.Features.Acoustic;

/// <summary>
/// Utterance-level acoustic features from frame-level descriptors. The first 72 values are the handcrafted set DiME-Aug
/// interpolates in: 18 descriptors (MFCC 0–12, log energy, pitch in semitones re 100 Hz, zero-crossing rate, spectral
/// centroid, roll-off) × (mean, std, 10th and 90th percentile). Then log-mel means and standard deviations, spectral
/// contrast means, and four prosodic summaries: voiced fraction, pitch range (semitones, p90−p10), speaking rate (energy
/// peaks per second) and duration. Statistics skip silent frames; pitch statistics use voiced frames only.
/// </summary>
public sealed class AcousticFeatures
{
    /// <summary>Size of the handcrafted block at the start of the vector.</summary>
    public const int HandcraftedCount = 72;

    private static readonly string[] StatNames = ["mean", "std", "p10", "p90"];

    private readonly AcousticOptions _o;
    private readonly FrameAnalyzer _analyzer;

    /// <summary>Creates an extractor; one per thread.</summary>
    public AcousticFeatures(AcousticOptions? options = null)
    {
        _o = options ?? new AcousticOptions();
        _analyzer = new FrameAnalyzer(_o);
        Names = BuildNames(_o);
    }

    /// <summary>Feature names in vector order.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>Length of the vector.</summary>
    public int Dimension => Names.Count;

    /// <summary>Names for the given settings (the layout the class documents).</summary>
    public static IReadOnlyList<string> BuildNames(AcousticOptions o)
    {
        var names = new List<string>();
        foreach (var d in DescriptorNames(o))
        {
            foreach (var s in StatNames) names.Add($"{d}_{s}");
        }
        for (int b = 0; b < o.MelBands; b++) names.Add($"logmel{b}_mean");
        for (int b = 0; b < o.MelBands; b++) names.Add($"logmel{b}_std");
        for (int b = 0; b < FrameAnalyzer.ContrastBands; b++) names.Add($"contrast{b}_mean");
        names.AddRange(["voiced_fraction", "pitch_range_st", "speaking_rate", "duration_s"]);
        return names;
    }

    private static IEnumerable<string> DescriptorNames(AcousticOptions o) =>
        Enumerable.Range(0, o.Mfccs).Select(i => $"mfcc{i}").Concat(["energy_db", "pitch_st", "zcr", "centroid_hz", "rolloff_hz"]);

    /// <summary>Computes the feature vector of one utterance into <paramref name="destination"/> (length <see cref="Dimension"/>).</summary>
    public void Compute(ReadOnlySpan<float> samples, Span<float> destination)
    {
        if (destination.Length != Dimension) throw new ArgumentException($"destination has {destination.Length} values; expected {Dimension}", nameof(destination));
        int frames = PitchTracker.FrameCount(samples.Length, _o);
        int descriptors = _o.Mfccs + 5;
        var perFrame = new float[descriptors][];
        for (int d = 0; d < descriptors; d++) perFrame[d] = new float[frames];
        var mel = new float[_o.MelBands][];
        for (int b = 0; b < _o.MelBands; b++) mel[b] = new float[frames];
        var contrast = new float[FrameAnalyzer.ContrastBands][];
        for (int b = 0; b < contrast.Length; b++) contrast[b] = new float[frames];

        var power = new float[_o.FftSize / 2 + 1];
        var logMel = new float[_o.MelBands];
        var mfcc = new float[_o.Mfccs];
        var con = new float[FrameAnalyzer.ContrastBands];
        var frameBuffer = new float[_o.FrameLength];
        for (int f = 0; f < frames; f++)
        {
            int start = f * _o.Hop;
            int n = Math.Min(_o.FrameLength, samples.Length - start);
            Array.Clear(frameBuffer);
            if (n > 0) samples.Slice(start, n).CopyTo(frameBuffer);
            var (e, z, c, r) = _analyzer.Analyze(frameBuffer, power, logMel, mfcc, con);
            for (int k = 0; k < _o.Mfccs; k++) perFrame[k][f] = mfcc[k];
            perFrame[_o.Mfccs][f] = e;
            perFrame[_o.Mfccs + 2][f] = z;
            perFrame[_o.Mfccs + 3][f] = c;
            perFrame[_o.Mfccs + 4][f] = r;
            for (int b = 0; b < _o.MelBands; b++) mel[b][f] = logMel[b];
            for (int b = 0; b < con.Length; b++) contrast[b][f] = con[b];
        }
        var (pitchHz, _) = PitchTracker.Track(samples, _o);

        var energy = perFrame[_o.Mfccs];
        float loudest = energy.Max();
        var active = Enumerable.Range(0, frames).Where(f => energy[f] >= loudest - _o.SilenceDb).ToArray();
        var voiced = active.Where(f => pitchHz[f] > 0).ToArray();
        var pitchSt = new float[frames];
        for (int f = 0; f < frames; f++) pitchSt[f] = pitchHz[f] > 0 ? (float)(12 * Math.Log2(pitchHz[f] / 100.0)) : 0;
        perFrame[_o.Mfccs + 1] = pitchSt;

        int o = 0;
        for (int d = 0; d < descriptors; d++)
        {
            var rows = d == _o.Mfccs + 1 ? voiced : active;
            var (mean, std, p10, p90) = Stats(perFrame[d], rows);
            destination[o++] = mean;
            destination[o++] = std;
            destination[o++] = p10;
            destination[o++] = p90;
        }
        var melStats = mel.Select(m => MeanStd(m, active)).ToArray();
        foreach (var s in melStats) destination[o++] = s.Mean;
        foreach (var s in melStats) destination[o++] = s.Std;
        foreach (var c in contrast) destination[o++] = MeanStd(c, active).Mean;
        var pitchStats = Stats(pitchSt, voiced);
        double seconds = samples.Length / (double)_o.SampleRate;
        destination[o++] = active.Length == 0 ? 0 : voiced.Length / (float)active.Length;
        destination[o++] = pitchStats.P90 - pitchStats.P10;
        destination[o++] = (float)(EnergyPeaks(energy, loudest) / Math.Max(seconds, 1e-3));
        destination[o++] = (float)seconds;
    }

    /// <summary>Mean, population std, and 10th/90th percentiles (numpy's linear interpolation) of the selected frames; zeros when none.</summary>
    public static (float Mean, float Std, float P10, float P90) Stats(float[] values, int[] rows)
    {
        if (rows.Length == 0) return (0, 0, 0, 0);
        var v = new double[rows.Length];
        for (int i = 0; i < rows.Length; i++) v[i] = values[rows[i]];
        double mean = v.Average();
        double var = v.Sum(x => (x - mean) * (x - mean)) / v.Length;
        Array.Sort(v);
        return ((float)mean, (float)Math.Sqrt(var), (float)Percentile(v, 10), (float)Percentile(v, 90));
    }

    private static (float Mean, float Std) MeanStd(float[] values, int[] rows)
    {
        if (rows.Length == 0) return (0, 0);
        double sum = 0, sq = 0;
        foreach (var r in rows) sum += values[r];
        double mean = sum / rows.Length;
        foreach (var r in rows) sq += (values[r] - mean) * (values[r] - mean);
        return ((float)mean, (float)Math.Sqrt(sq / rows.Length));
    }

    /// <summary>Percentile of sorted values with linear interpolation between closest ranks (numpy's default).</summary>
    public static double Percentile(double[] sorted, double q)
    {
        double pos = q / 100.0 * (sorted.Length - 1);
        int lo = (int)Math.Floor(pos), hi = Math.Min(sorted.Length - 1, lo + 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    // Syllable-like nuclei: local maxima of the smoothed energy that stand out from their ±60 ms neighbourhood.
    private static int EnergyPeaks(float[] energy, float loudest)
    {
        int n = energy.Length;
        var smooth = new float[n];
        for (int i = 0; i < n; i++)
        {
            float s = 0;
            int c = 0;
            for (int j = Math.Max(0, i - 2); j <= Math.Min(n - 1, i + 2); j++) { s += energy[j]; c++; }
            smooth[i] = s / c;
        }
        int peaks = 0;
        for (int i = 1; i < n - 1; i++)
        {
            if (smooth[i] < loudest - 25) continue;
            bool isPeak = true;
            for (int j = Math.Max(0, i - 6); j <= Math.Min(n - 1, i + 6) && isPeak; j++) if (smooth[j] > smooth[i]) isPeak = false;
            if (!isPeak) continue;
            float floor = float.MaxValue;
            for (int j = Math.Max(0, i - 12); j <= Math.Min(n - 1, i + 12); j++) floor = Math.Min(floor, smooth[j]);
            if (smooth[i] - floor >= 3) peaks++;
        }
        return peaks;
    }
}
