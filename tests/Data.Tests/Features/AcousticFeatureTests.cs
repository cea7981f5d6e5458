using Amber.Data.Audio;
using Amber.Data.Features.Acoustic;
using Amber.Data.Npy;

namespace Amber.Data.Tests.Features;

public class AcousticFeatureTests
{
    private static readonly AcousticOptions Options = new();

    private static float[] Ref(string name) => NpyReader.Read(Fixture.Path("reference", name)).Data;

    private static float[] Tone(double hz, double amplitude, double seconds = 1.0) =>
        Enumerable.Range(0, (int)(seconds * 16000)).Select(i => (float)(amplitude * Math.Sin(2 * Math.PI * hz * i / 16000))).ToArray();

    private static void Close(float[] expected, ReadOnlySpan<float> actual, double relative, double absolute)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double tol = absolute + relative * Math.Abs(expected[i]);
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol, $"index {i}: expected {expected[i]}, got {actual[i]} (tolerance {tol})");
        }
    }

    [Fact]
    public void Mel_filterbank_matches_numpy_reference()
    {
        var fb = new MelFilterbank(40, 512, 16000);
        Close(Ref("mel_40x257.npy"), fb.Weights, 1e-5, 1e-6);
    }

    [Fact]
    public void Frame_power_logmel_and_mfcc_match_numpy_and_scipy()
    {
        var (x, rate) = WavFile.Read(Fixture.Path("reference", "chirp.wav"));
        Assert.Equal(16000, rate);
        var analyzer = new FrameAnalyzer(Options);
        var power = new float[257];
        var logMel = new float[40];
        var mfcc = new float[13];
        var contrast = new float[FrameAnalyzer.ContrastBands];
        var (energyDb, zcr, centroid, _) = analyzer.Analyze(x.AsSpan(3 * 160, 400), power, logMel, mfcc, contrast);
        Close(Ref("chirp_frame3_power.npy"), power, 1e-3, 1e-4);
        Close(Ref("chirp_frame3_logmel.npy"), logMel, 1e-4, 1e-3);
        Close(Ref("chirp_frame3_mfcc.npy"), mfcc, 1e-3, 2e-3);
        Close(Ref("chirp_frame3_scalars.npy"), [energyDb, zcr, centroid], 1e-4, 1e-4);
    }

    [Theory]
    [InlineData(100.0)]
    [InlineData(220.0)]
    [InlineData(333.0)]
    public void Pure_tone_pitch_is_its_frequency(double hz)
    {
        var (pitch, strength) = PitchTracker.Track(Tone(hz, 0.5), Options);
        var voiced = pitch.Where(p => p > 0).ToArray();
        Assert.True(voiced.Length > 0.9 * (pitch.Length - 3), $"{voiced.Length} of {pitch.Length} frames voiced");
        Assert.All(voiced, p => Assert.InRange(p, hz * 0.995, hz * 1.005));
        Assert.True(strength.Take(voiced.Length).Min() > 0.95);
    }

    [Fact]
    public void Pure_tone_energy_zcr_and_centroid_follow_from_its_formula()
    {
        var fx = new AcousticFeatures(Options);
        var v = new float[fx.Dimension];
        fx.Compute(Tone(220, 0.5), v);
        float Get(string name) => v[fx.Names.ToList().IndexOf(name)];
        // Mean square of A·sin is A²/2 → 10·log10(0.125) = −9.03 dB; a 220 Hz sine crosses zero 440 times a second.
        Assert.Equal(10 * Math.Log10(0.125), Get("energy_db_mean"), 0.05);
        Assert.Equal(440.0 / 16000, Get("zcr_mean"), 0.001);
        Assert.Equal(12 * Math.Log2(2.2), Get("pitch_st_mean"), 0.02);
        Assert.InRange(Get("centroid_hz_mean"), 200, 240);
        Assert.Equal(1.0, Get("voiced_fraction"), 0.05);
        Assert.Equal(1.0, Get("duration_s"), 1e-6);
        Assert.Equal(162, fx.Dimension);
        Assert.Equal("mfcc0_mean", fx.Names[0]);
        Assert.Equal("rolloff_hz_p90", fx.Names[AcousticFeatures.HandcraftedCount - 1]);
    }

    [Fact]
    public void Louder_tone_raises_energy_by_the_gain_in_decibels()
    {
        var fx = new AcousticFeatures(Options);
        var a = new float[fx.Dimension];
        var b = new float[fx.Dimension];
        fx.Compute(Tone(150, 0.1), a);
        fx.Compute(Tone(150, 0.4), b);
        int e = fx.Names.ToList().IndexOf("energy_db_mean");
        Assert.Equal(20 * Math.Log10(4), b[e] - a[e], 0.01);
    }

    [Fact]
    public void Unvoiced_noise_has_no_pitch()
    {
        var rng = new Random(1);
        var noise = Enumerable.Range(0, 16000).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        var (pitch, _) = PitchTracker.Track(noise, Options);
        Assert.True(pitch.Count(p => p > 0) < pitch.Length / 20);
    }

    [Fact]
    public void Statistics_match_numpy_mean_std_and_percentiles()
    {
        float[] vals = [3.0f, -1.0f, 4.5f, 10.0f, 2.0f, 2.0f, 7.25f];
        var (mean, std, p10, p90) = AcousticFeatures.Stats(vals, [0, 1, 2, 3, 4, 5, 6]);
        Close(Ref("percentiles.npy"), [mean, std, p10, p90], 1e-6, 1e-6);
    }
}
