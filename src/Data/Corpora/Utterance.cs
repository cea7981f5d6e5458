namespace Amber.Data.Corpora;

/// <summary>
/// One labelled utterance as a loader produced it: identity, where its audio and text are, the raw votes and the
/// soft and hard labels derived from them.
/// </summary>
public sealed record Utterance
{
    /// <summary>Corpus-unique id, e.g. <c>Ses01F_impro01_F000</c> or <c>MSP-PODCAST_0001_0008</c>.</summary>
    public required string Id { get; init; }

    /// <summary>IEMOCAP session 1–5; 0 for corpora without sessions.</summary>
    public int Session { get; init; }

    /// <summary>Speaker id, e.g. <c>Ses01_F</c>; unique across the corpus.</summary>
    public required string Speaker { get; init; }

    /// <summary><c>F</c>, <c>M</c> or <c>U</c> (unknown).</summary>
    public required string Gender { get; init; }

    /// <summary>Dialog (IEMOCAP) or empty.</summary>
    public string Dialog { get; init; } = "";

    /// <summary>Official split (MSP-Podcast: Train, Development, Test1…), or empty.</summary>
    public string Split { get; init; } = "";

    /// <summary>Absolute path of the wav file, or null when it is missing.</summary>
    public string? WavPath { get; init; }

    /// <summary>Transcript, or empty when none was found.</summary>
    public string Text { get; init; } = "";

    /// <summary>Start and end time in the dialog recording (seconds); 0 when unknown.</summary>
    public double StartSeconds { get; init; }

    /// <inheritdoc cref="StartSeconds"/>
    public double EndSeconds { get; init; }

    /// <summary>The corpus' consensus code as written (IEMOCAP <c>neu</c>, <c>xxx</c>…; MSP <c>N</c>, <c>X</c>…).</summary>
    public required string Consensus { get; init; }

    /// <summary>Votes per raw label as written in the corpus (in-class and out-of-class), weighted where the recipe weighs them.</summary>
    public required IReadOnlyDictionary<string, double> Votes { get; init; }

    /// <summary>Human votes per class <c>[C]</c> after the class map (the numerator of the soft label).</summary>
    public required double[] ClassVotes { get; init; }

    /// <summary>Extra (non-human) votes per class <c>[C]</c>, already multiplied by nothing; see <see cref="ExtraVoteWeight"/>.</summary>
    public double[] ExtraClassVotes { get; init; } = new double[EmotionClasses.Count];

    /// <summary>The weight w applied to <see cref="ExtraClassVotes"/> in the soft label.</summary>
    public double ExtraVoteWeight { get; init; }

    /// <summary>Soft label <c>[C]</c>: a distribution over <see cref="EmotionClasses.Names"/>.</summary>
    public required float[] SoftLabel { get; init; }

    /// <summary>Hard label: the consensus mapped to a class index, or -1 when the consensus is outside the four classes.</summary>
    public int HardLabel { get; init; } = -1;

    /// <summary>Valence, arousal, dominance from the corpus' summary (IEMOCAP 1–5, MSP 1–7); NaN when absent.</summary>
    public double[] Vad { get; init; } = [double.NaN, double.NaN, double.NaN];

    /// <summary>Where the votes came from: <c>human</c>, or <c>human+&lt;source&gt;</c> after merging extra votes.</summary>
    public string LabelSource { get; init; } = "human";
}
