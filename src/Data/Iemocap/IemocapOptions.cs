namespace Amber.Data.Iemocap;

/// <summary>Which utterances a soft-label recipe keeps.</summary>
public enum IemocapSubset
{
    /// <summary>The standard 4-class subset: consensus in neu, hap, exc, ang, sad (5,531 utterances on the real corpus).</summary>
    Consensus4,

    /// <summary>Every utterance with at least one in-class vote, including the ambiguous <c>xxx</c> ones.</summary>
    AnyVote,
}

/// <summary>The IEMOCAP soft-label recipe (DATA-FORMATS.md); every choice is an option, the defaults are the standard recipe.</summary>
public sealed record IemocapOptions
{
    /// <summary>Utterance subset (default <see cref="IemocapSubset.Consensus4"/>).</summary>
    public IemocapSubset Subset { get; init; } = IemocapSubset.Consensus4;

    /// <summary>Count the actors' own <c>C-F*</c>/<c>C-M*</c> lines as votes (default false: external evaluators only).</summary>
    public bool IncludeSelfEvaluations { get; init; }

    /// <summary>Label (as written on C- lines) → class name; labels absent from the map are out-of-class.</summary>
    public IReadOnlyDictionary<string, string> ClassMap { get; init; } = DefaultClassMap;

    /// <summary>Skip and count malformed lines instead of failing on the first one.</summary>
    public bool Lenient { get; init; }

    /// <summary>Drop (and count) utterances whose wav file does not exist (default true).</summary>
    public bool RequireWav { get; init; } = true;

    /// <summary>Neutral→neutral, Happiness and Excited→happy, Anger→angry, Sadness→sad.</summary>
    public static IReadOnlyDictionary<string, string> DefaultClassMap { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["Neutral"] = "neutral",
        ["Happiness"] = "happy",
        ["Excited"] = "happy",
        ["Anger"] = "angry",
        ["Sadness"] = "sad",
    };

    /// <summary>The consensus codes of the summary line and the C-line label each one abbreviates.</summary>
    public static IReadOnlyDictionary<string, string> ConsensusCodes { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["neu"] = "Neutral",
        ["fru"] = "Frustration",
        ["ang"] = "Anger",
        ["sad"] = "Sadness",
        ["hap"] = "Happiness",
        ["exc"] = "Excited",
        ["sur"] = "Surprise",
        ["fea"] = "Fear",
        ["dis"] = "Disgust",
        ["oth"] = "Other",
        ["xxx"] = "",
    };

    /// <summary>The C-line labels of the format.</summary>
    public static IReadOnlySet<string> KnownLabels { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "Neutral", "Frustration", "Anger", "Sadness", "Happiness", "Excited", "Surprise", "Fear", "Disgust", "Other",
    };
}
