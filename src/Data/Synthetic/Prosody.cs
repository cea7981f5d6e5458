using Amber.Data.Corpora;

namespace Amber.Data.Synthetic;

/// <summary>
/// The acoustic cues of one utterance. Emotions set targets (<see cref="Prototype"/>), an utterance mixes them by its
/// audio-side latent distribution, speakers shift them, and noise blurs them.
/// </summary>
internal sealed record Prosody(
    double PitchLevelSemitones,
    double PitchRangeSemitones,
    double EnergyDb,
    double SyllablesPerSecond,
    double GlottalClosing,
    double Tilt,
    double Breathiness,
    double Jitter)
{
    // Directions follow the speech-emotion literature (anger: loud, bright, fast; sadness: low, flat, soft, slow, breathy;
    // happiness: high and wide pitch); magnitudes are ours and moderate so the classes overlap.
    private static readonly Prosody[] Prototypes =
    [
        new(0.0, 2.5, 0.0, 4.2, 0.30, 0.55, 0.030, 0.005),   // neutral
        new(3.0, 6.0, 3.0, 4.8, 0.22, 0.45, 0.030, 0.008),   // happy
        new(2.0, 4.5, 7.0, 4.6, 0.12, 0.25, 0.015, 0.012),   // angry
        new(-2.0, 1.5, -5.0, 3.2, 0.40, 0.75, 0.100, 0.010), // sad
    ];

    // Natural scale of each cue: the unit of SyntheticOptions.AcousticNoise.
    private static readonly Prosody Scale = new(1.5, 1.2, 2.5, 0.5, 0.06, 0.10, 0.02, 0.003);

    public static Prosody Prototype(int c) => Prototypes[c];

    /// <summary>Σ_c π_c · prototype_c, shifted by the speaker and blurred by noise.</summary>
    public static Prosody Mix(ReadOnlySpan<double> pi, SpeakerTraits speaker, double noise, Random rng)
    {
        double[] v = new double[8];
        for (int c = 0; c < EmotionClasses.Count; c++)
        {
            var p = Prototypes[c].ToArray();
            for (int k = 0; k < v.Length; k++) v[k] += pi[c] * p[k];
        }
        var s = Scale.ToArray();
        for (int k = 0; k < v.Length; k++) v[k] += noise * s[k] * Sampling.Normal(rng);
        return new Prosody(
            v[0] + speaker.PitchOffsetSemitones,
            Math.Max(0.3, v[1] * speaker.RangeFactor),
            v[2] + speaker.LoudnessDb,
            Math.Clamp(v[3] * speaker.RateFactor, 2.0, 7.5),
            Math.Clamp(v[4], 0.05, 0.45),
            Math.Clamp(v[5] + speaker.TiltOffset, 0.05, 0.9),
            Math.Clamp(v[6] + speaker.Breathiness, 0.0, 0.3),
            Math.Clamp(v[7], 0.0, 0.04));
    }

    private double[] ToArray() => [PitchLevelSemitones, PitchRangeSemitones, EnergyDb, SyllablesPerSecond, GlottalClosing, Tilt, Breathiness, Jitter];
}

/// <summary>A speaker's voice: base pitch, vocal-tract length (formant scale) and habits.</summary>
internal sealed record SpeakerTraits(
    string Speaker,
    double BaseF0,
    double FormantScale,
    double PitchOffsetSemitones,
    double RangeFactor,
    double LoudnessDb,
    double RateFactor,
    double TiltOffset,
    double Breathiness)
{
    public static SpeakerTraits Draw(string speaker, string gender, Random rng)
    {
        bool female = gender == "F";
        return new SpeakerTraits(
            speaker,
            female ? 205 + 18 * Sampling.Normal(rng) : 115 + 12 * Sampling.Normal(rng),
            (female ? 1.14 : 1.0) * (1 + 0.04 * Sampling.Normal(rng)),
            0.8 * Sampling.Normal(rng),
            Math.Exp(0.15 * Sampling.Normal(rng)),
            1.5 * Sampling.Normal(rng),
            Math.Exp(0.08 * Sampling.Normal(rng)),
            0.05 * Sampling.Normal(rng),
            Math.Max(0, 0.015 * Sampling.Normal(rng)));
    }
}
