using System.Text.Json;
using Amber.Data.Corpora;
using Amber.Data.Features.Acoustic;
using Amber.Data.Iemocap;
using Amber.Data.Msp;
using Amber.Data.Npy;
using Amber.Data.Synthetic;

namespace Amber.Data.Features;

/// <summary>What <see cref="FeaturePipeline.Build"/> does: which corpus, which features, which extra votes.</summary>
public sealed record FeaturePipelineOptions
{
    /// <summary>The corpus (<c>iemocap:&lt;path&gt;</c>, <c>msp:&lt;path&gt;</c> or a bare IEMOCAP-layout path).</summary>
    public required CorpusSpec Corpus { get; init; }

    /// <summary>IEMOCAP recipe options.</summary>
    public IemocapOptions Iemocap { get; init; } = new();

    /// <summary>MSP-Podcast recipe options.</summary>
    public MspOptions Msp { get; init; } = new();

    /// <summary>
    /// Speech features: <c>builtin</c> (default), <c>npy:&lt;folder of id.npy&gt;</c> or <c>npy:&lt;matrix.npy&gt;,&lt;ids.txt&gt;</c>.
    /// </summary>
    public string Speech { get; init; } = "builtin";

    /// <summary>Text features: <c>tfidf</c> (built per fold, default) or an <c>npy:</c> source as for <see cref="Speech"/>.</summary>
    public string Text { get; init; } = "tfidf";

    /// <summary>Optional CSV of extra annotator votes and their weight w.</summary>
    public string? ExtraVotesCsv { get; init; }

    /// <inheritdoc cref="ExtraVotesCsv"/>
    public double ExtraVoteWeight { get; init; } = 1.0;

    /// <summary>Built-in acoustic settings.</summary>
    public AcousticOptions Acoustic { get; init; } = new();
}

/// <summary>Feature rows of a range of utterances: speech <c>[rows, Da]</c> and, when imported, text <c>[rows, Dt]</c>.</summary>
/// <param name="Speech">Speech features, row-major.</param>
/// <param name="SpeechDim">Da.</param>
/// <param name="Text">Imported text embeddings, or null (TF-IDF is built per fold).</param>
/// <param name="TextDim">Dt (0 without imported text).</param>
public sealed record FeatureRows(float[] Speech, int SpeechDim, float[]? Text, int TextDim);

/// <summary>
/// The one-call data path used by <c>amber run</c> and the scheduler: load a corpus, merge extra votes, compute or import
/// features, and return a <see cref="FeatureSet"/> with its load report.
/// </summary>
public static class FeaturePipeline
{
    /// <summary>Loads and featurizes the corpus.</summary>
    public static (FeatureSet Set, LoadReport Report) Build(FeaturePipelineOptions options, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        var (corpus, report) = LoadCorpus(options);
        var rows = ExtractRows(corpus, options, 0, corpus.Utterances.Count, progress, cancellationToken);
        return (Compose(corpus, options, rows), report);
    }

    /// <summary>Loads the corpus as the options say (wavs required for built-in features) and merges the extra votes.</summary>
    public static (Corpus Corpus, LoadReport Report) LoadCorpus(FeaturePipelineOptions options)
    {
        bool builtin = options.Speech == "builtin";
        var (corpus, report) = options.Corpus.Load(options.Iemocap with { RequireWav = builtin && options.Iemocap.RequireWav },
            options.Msp with { RequireWav = builtin && options.Msp.RequireWav });
        if (options.ExtraVotesCsv is not null) corpus = ExtraVotes.Merge(corpus, ExtraVotes.Load(options.ExtraVotesCsv), options.ExtraVoteWeight).Corpus;
        return (corpus, report);
    }

    /// <summary>
    /// The features of utterances <paramref name="first"/> … <paramref name="first"/> + <paramref name="count"/> − 1 (corpus
    /// order): computed (built-in acoustic) or imported; imported text embeddings too. Every row depends only on its own
    /// utterance, so shards extracted apart and put together (<see cref="Compose"/>) equal one extraction of the whole set.
    /// </summary>
    public static FeatureRows ExtractRows(Corpus corpus, FeaturePipelineOptions options, int first, int count, IProgress<int>? progress = null,
        CancellationToken cancellationToken = default)
    {
        var ids = corpus.Utterances.Skip(first).Take(count).Select(u => u.Id).ToArray();
        float[]? text = null;
        int textDim = 0;
        if (options.Text != "tfidf") (text, textDim) = Import(options.Text, ids, "--text");
        if (options.Speech == "builtin")
        {
            var speech = FeatureExtractor.ExtractSpeech(corpus, first, count, options.Acoustic, progress, cancellationToken: cancellationToken);
            return new FeatureRows(speech, AcousticFeatures.BuildNames(options.Acoustic).Count, text, textDim);
        }
        var (imported, dim) = Import(options.Speech, ids, "--speech");
        progress?.Report(ids.Length);
        return new FeatureRows(imported, dim, text, textDim);
    }

    /// <summary>The feature set of a corpus from its feature rows in corpus order.</summary>
    public static FeatureSet Compose(Corpus corpus, FeaturePipelineOptions options, FeatureRows rows)
    {
        bool builtin = options.Speech == "builtin";
        var names = builtin ? [.. AcousticFeatures.BuildNames(options.Acoustic)] : Enumerable.Range(0, rows.SpeechDim).Select(d => $"dim{d}").ToArray();
        return FeatureSet.FromCorpus(corpus, rows.Speech, rows.SpeechDim, names, builtin ? FeatureExtractor.BuiltinSource : options.Speech,
            rows.Text, rows.TextDim, rows.Text is null ? null : options.Text);
    }

    /// <summary>
    /// Generates the synthetic corpus under <paramref name="dir"/> unless one made with the same options is already there;
    /// returns the corpus root and whether it was generated now.
    /// </summary>
    public static (string Root, bool Generated) EnsureSynthetic(string dir, SyntheticOptions options, IProgress<int>? progress = null)
    {
        var root = Path.Combine(Path.GetFullPath(dir), "IEMOCAP_full_release");
        var marker = Path.Combine(root, SyntheticCorpusGenerator.OptionsFile);
        var wanted = JsonSerializer.Serialize(options);
        if (File.Exists(marker) && File.ReadAllText(marker) == wanted && File.Exists(Path.Combine(root, SyntheticCorpusGenerator.TruthFile))) return (root, false);
        SyntheticCorpusGenerator.Generate(options, dir, progress);
        return (root, true);
    }

    /// <summary>Parses an <c>npy:</c> source and imports it in the order of <paramref name="ids"/>.</summary>
    public static (float[] Matrix, int Dim) Import(string source, IReadOnlyList<string> ids, string option)
    {
        if (!source.StartsWith("npy:", StringComparison.Ordinal))
        {
            throw new ArgumentException($"{option} '{source}' is unknown; expected builtin/tfidf, npy:<folder> or npy:<matrix.npy>,<ids.txt>");
        }
        var body = source[4..];
        int comma = body.IndexOf(',', StringComparison.Ordinal);
        return comma < 0 ? EmbeddingImporter.FromFolder(body, ids) : EmbeddingImporter.FromMatrix(body[..comma], body[(comma + 1)..], ids);
    }
}
