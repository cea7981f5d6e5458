using Amber.Data.Iemocap;

namespace Amber.Data.Msp;

/// <summary>The MSP-Podcast soft-label recipe (DATA-FORMATS.md).</summary>
public sealed record MspOptions
{
    /// <summary>Weight of each worker's secondary emotions that map to a class (default 0: primary votes only; e.g. 0.1).</summary>
    public double SecondaryWeight { get; init; }

    /// <summary><see cref="IemocapSubset.Consensus4"/> keeps consensus codes A, H, N, S (default); AnyVote keeps every utterance with an in-class vote.</summary>
    public IemocapSubset Subset { get; init; } = IemocapSubset.Consensus4;

    /// <summary>Skip and count malformed lines instead of failing.</summary>
    public bool Lenient { get; init; }

    /// <summary>Drop (and count) utterances whose wav is missing under Audios/ (default true).</summary>
    public bool RequireWav { get; init; } = true;

    /// <summary>Read votes from labels.txt even when labels_detailed.csv exists.</summary>
    public bool PreferLabelsTxt { get; init; }
}
