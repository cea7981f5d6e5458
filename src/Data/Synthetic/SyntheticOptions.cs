namespace Amber.Data.Synthetic;

/// <summary>
/// Knobs of the synthetic IEMOCAP-shaped corpus. The two science knobs have fixed meanings:
/// <see cref="RaterAmbiguity"/> is how much of each utterance's latent emotion distribution is spread away from its
/// dominant class, and <see cref="ModalityConflict"/> is the share of utterances whose words come from another emotion
/// than their voice. Neither decides which model wins; they only set how hard the labels and the modalities are.
/// </summary>
public sealed record SyntheticOptions
{
    /// <summary>Number of evaluated utterances (default 1,500; the real corpus has 10,039).</summary>
    public int Utterances { get; init; } = 1500;

    /// <summary>Seed: the same seed and options give byte-identical files.</summary>
    public int Seed { get; init; } = 7;

    /// <summary>
    /// a ∈ [0, 1]: the latent distribution is Dirichlet(κ·((1−a)·e_dominant + a/C)), so a = 0 makes all evaluators agree and
    /// a = 1 makes the dominant class no more likely than the others. Default 0.35.
    /// </summary>
    public double RaterAmbiguity { get; init; } = 0.35;

    /// <summary>
    /// x ∈ [0, 1]: probability that an utterance's text is written from a second, different dominant class; its voice keeps
    /// the first, and evaluators vote from a mixture λ·π_audio + (1−λ)·π_text with λ ~ U(0.35, 0.65). Default 0.15.
    /// </summary>
    public double ModalityConflict { get; init; } = 0.15;

    /// <summary>Dirichlet concentration κ of the latent distribution (higher: closer to its mean). Default 6.</summary>
    public double Concentration { get; init; } = 6;

    /// <summary>External evaluators per utterance (C-E lines). Default 3, as on the real corpus.</summary>
    public int Evaluators { get; init; } = 3;

    /// <summary>Write the actors' self-evaluation lines (C-F1/C-M1). Default true.</summary>
    public bool SelfEvaluations { get; init; } = true;

    /// <summary>Probability that an evaluator picks a label outside the four classes (Frustration, Surprise, Other…). Default 0.08.</summary>
    public double OutOfClassRate { get; init; } = 0.08;

    /// <summary>Probability that an evaluator adds a second label (a multi-label line). Default 0.08.</summary>
    public double MultiLabelRate { get; init; } = 0.08;

    /// <summary>
    /// Utterance-level spread of the prosody around its emotion's target, in units of each cue's natural scale
    /// (e.g. 1.5 semitones of pitch level, 2.5 dB of energy). Default 0.6; larger hides emotion in the voice.
    /// </summary>
    public double AcousticNoise { get; init; } = 0.6;

    /// <summary>Share of words drawn from an emotion lexicon rather than neutral fillers. Default 0.3; lower hides emotion in the text.</summary>
    public double LexicalEmotionRate { get; init; } = 0.3;

    /// <summary>Mean number of words per utterance (audio length follows from the speaking rate). Default 7.</summary>
    public double MeanWords { get; init; } = 7;

    /// <summary>Sample rate of the wav files (IEMOCAP: 16 kHz).</summary>
    public int SampleRate { get; init; } = 16000;

    /// <summary>Validates ranges; throws <see cref="ArgumentException"/> naming the option, its value and the allowed range.</summary>
    public void Validate()
    {
        static void Range(string name, double v, double lo, double hi)
        {
            if (!(v >= lo && v <= hi)) throw new ArgumentException($"synthetic option {name} is {v}; expected a value in [{lo}, {hi}]");
        }
        if (Utterances < 20) throw new ArgumentException($"synthetic option Utterances is {Utterances}; expected at least 20 (2 speakers × 5 sessions × 2 dialogs)");
        Range(nameof(RaterAmbiguity), RaterAmbiguity, 0, 1);
        Range(nameof(ModalityConflict), ModalityConflict, 0, 1);
        Range(nameof(Concentration), Concentration, 0.1, 1e4);
        Range(nameof(Evaluators), Evaluators, 1, 6);
        Range(nameof(OutOfClassRate), OutOfClassRate, 0, 1);
        Range(nameof(MultiLabelRate), MultiLabelRate, 0, 1);
        Range(nameof(AcousticNoise), AcousticNoise, 0, 10);
        Range(nameof(LexicalEmotionRate), LexicalEmotionRate, 0, 1);
        Range(nameof(MeanWords), MeanWords, 2, 40);
        Range(nameof(SampleRate), SampleRate, 8000, 48000);
    }
}
