namespace Amber.Data.Features;

/// <summary>One shard: a block of consecutive rows of one matrix, stored as an NPY blob named by its SHA-256.</summary>
/// <param name="Kind"><c>speech</c> or <c>text</c>.</param>
/// <param name="Name">Blob name.</param>
/// <param name="FirstRow">Index of its first row in the set.</param>
/// <param name="Rows">Rows in the shard.</param>
/// <param name="Dim">Columns.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the blob's bytes.</param>
public sealed record FeatureShard(string Kind, string Name, int FirstRow, int Rows, int Dim, string Sha256);

/// <summary>
/// The JSON manifest of a stored feature set: per-utterance metadata and labels inline, matrices as shards, and a
/// content hash over everything else so two identical sets get the same hash.
/// </summary>
public sealed record FeatureSetManifest
{
    /// <summary>Format tag.</summary>
    public string Format { get; init; } = FeatureSetStore.FormatTag;

    /// <summary>SHA-256 of this manifest serialized with an empty <see cref="ContentSha256"/>.</summary>
    public string ContentSha256 { get; init; } = "";

    /// <summary>N.</summary>
    public int Count { get; init; }

    /// <summary>Class names.</summary>
    public string[] Classes { get; init; } = [];

    /// <summary>Da.</summary>
    public int SpeechDim { get; init; }

    /// <summary>Speech column names.</summary>
    public string[] SpeechNames { get; init; } = [];

    /// <summary>Speech source tag.</summary>
    public string SpeechSource { get; init; } = "";

    /// <summary>Dt (0 when text features are built per fold).</summary>
    public int TextDim { get; init; }

    /// <summary>Text source tag.</summary>
    public string TextSource { get; init; } = "";

    /// <summary>Rows per shard (the last may hold fewer).</summary>
    public int ShardRows { get; init; }

    /// <summary>Shards in row order, speech first.</summary>
    public FeatureShard[] Shards { get; init; } = [];

    /// <summary>Per-utterance ids.</summary>
    public string[] Ids { get; init; } = [];

    /// <summary>Per-utterance sessions.</summary>
    public int[] Sessions { get; init; } = [];

    /// <summary>Per-utterance speakers.</summary>
    public string[] Speakers { get; init; } = [];

    /// <summary>Per-utterance genders.</summary>
    public string[] Genders { get; init; } = [];

    /// <summary>Per-utterance splits.</summary>
    public string[] Splits { get; init; } = [];

    /// <summary>Per-utterance label sources.</summary>
    public string[] LabelSources { get; init; } = [];

    /// <summary>Per-utterance soft labels <c>[N][C]</c>.</summary>
    public float[][] SoftLabels { get; init; } = [];

    /// <summary>Per-utterance hard labels.</summary>
    public int[] HardLabels { get; init; } = [];

    /// <summary>Per-utterance transcripts.</summary>
    public string[] Texts { get; init; } = [];
}
