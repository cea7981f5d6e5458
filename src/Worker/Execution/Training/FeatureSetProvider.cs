using Amber.Grains.Contracts;
using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Amber.Data.Corpora;
using Amber.Data.Features;
using Amber.Data.Iemocap;
using Amber.Data.Msp;
using Amber.Data.Synthetic;
using Amber.Storage.Blobs;

namespace Amber.Worker.Execution.Training;

/// <summary>
/// Gives every run of a sweep the feature set of its corpus/features/labels spec, built once: the first run that needs
/// it synthesizes the corpus (for <c>synthetic</c>), extracts or imports the features and writes the set to the blob
/// store under <c>features/&lt;key&gt;/</c>; later runs (in this process or on other workers sharing the store) read it.
/// </summary>
/// <remarks>
/// Concurrent runs in one process wait on the same build (one <see cref="Lazy{T}"/> per key). Across processes two
/// builders may race; the store's shards are content-addressed and the manifest is written last, so both produce the
/// same blobs and no reader sees a torn set.
/// </remarks>
public sealed class FeatureSetProvider(string workDirectory, SyntheticOptions? synthetic = null)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<FeatureSet>>> cache = new(StringComparer.Ordinal);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, LoadReport> reports = new(StringComparer.Ordinal);

    /// <summary>Folder for the default synthetic corpus (<c>&lt;work&gt;/synthetic</c>).</summary>
    public string WorkDirectory { get; } = Path.GetFullPath(workDirectory);

    /// <summary>Options of the synthetic corpus generated for <c>corpus: synthetic</c>.</summary>
    public SyntheticOptions Synthetic { get; } = synthetic ?? new SyntheticOptions();

    /// <summary>Blob prefix of the cached set for a protocol (stable across processes).</summary>
    public string PrefixFor(RunProtocol protocol)
    {
        var key = new StringBuilder()
            .Append("corpus=").Append(ResolveCorpusLocation(protocol.Corpus)).Append('\n')
            .Append("features=").Append(protocol.Features).Append('\n');
        foreach (var (k, v) in protocol.Labels.OrderBy(kv => kv.Key, StringComparer.Ordinal)) key.Append(k).Append('=').Append(v).Append('\n');
        if (IsSynthetic(protocol.Corpus)) key.Append("synthetic=").Append(System.Text.Json.JsonSerializer.Serialize(Synthetic));
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key.ToString())))[..16];
        return $"features/{hash}";
    }

    /// <summary>The feature set for <paramref name="protocol"/>, from memory, the blob store, or built now.</summary>
    public Task<FeatureSet> GetAsync(RunProtocol protocol, IBlobStore blobs, CancellationToken cancellationToken)
    {
        var prefix = PrefixFor(protocol);
        var lazy = cache.GetOrAdd(prefix, p => new Lazy<Task<FeatureSet>>(() => LoadOrBuildAsync(protocol, blobs, p)));
        return lazy.Value.WaitAsync(cancellationToken);
    }

    private async Task<FeatureSet> LoadOrBuildAsync(RunProtocol protocol, IBlobStore blobs, string prefix)
    {
        try
        {
            if (await blobs.GetPropertiesAsync(FeatureSetStore.ManifestName(prefix)).ConfigureAwait(false) is not null)
            {
                return await FeatureSetStore.ReadAsync(blobs, prefix).ConfigureAwait(false);
            }
            var set = await Task.Run(() => Build(protocol)).ConfigureAwait(false);
            await FeatureSetStore.WriteAsync(blobs, prefix, set).ConfigureAwait(false);
            return set;
        }
        catch
        {
            // A failed build is not cached: the next run (or the retry) tries again instead of inheriting the error.
            cache.TryRemove(prefix, out _);
            throw;
        }
    }

    /// <summary>Loads the corpus and computes (or imports) its features as the protocol asks.</summary>
    public FeatureSet Build(RunProtocol protocol)
    {
        var options = PipelineOptions(protocol);
        var (set, report) = FeaturePipeline.Build(options);
        reports[PrefixFor(protocol)] = report;
        return set;
    }

    /// <summary>The corpus load report of the feature set this provider built for <paramref name="protocol"/> (null when it was reused from the blob store).</summary>
    public LoadReport? ReportFor(RunProtocol protocol) => reports.GetValueOrDefault(PrefixFor(protocol));

    /// <summary>
    /// The pipeline options for a protocol; generates the synthetic corpus first when the protocol names it and no copy
    /// made with the same options exists.
    /// </summary>
    public FeaturePipelineOptions PipelineOptions(RunProtocol protocol)
    {
        var labels = protocol.Labels;
        var subset = labels.TryGetValue("subset", out var s) && s == "any-vote" ? IemocapSubset.AnyVote : IemocapSubset.Consensus4;
        bool includeSelf = labels.TryGetValue("include_self", out var inc) && inc.Trim().ToLowerInvariant() is "true" or "yes" or "on" or "1";
        double secondary = labels.TryGetValue("secondary_weight", out var sw) ? double.Parse(sw, CultureInfo.InvariantCulture) : 0;
        double extraWeight = labels.TryGetValue("extra_weight", out var ew) ? double.Parse(ew, CultureInfo.InvariantCulture) : 1.0;
        var (speech, text) = FeatureSources(protocol.Features);
        return new FeaturePipelineOptions
        {
            Corpus = ResolveCorpus(protocol.Corpus),
            Iemocap = new IemocapOptions { Subset = subset, IncludeSelfEvaluations = includeSelf },
            Msp = new MspOptions { Subset = subset, SecondaryWeight = secondary },
            Speech = speech,
            Text = text,
            ExtraVotesCsv = labels.TryGetValue("extra_votes", out var ev) ? ev : null,
            ExtraVoteWeight = extraWeight,
        };
    }

    /// <summary>
    /// <c>builtin</c> → built-in acoustic + per-fold TF-IDF; <c>npy:&lt;dir&gt;</c> → speech embeddings from
    /// <c>&lt;dir&gt;/speech</c> and text embeddings from <c>&lt;dir&gt;/text</c> when those folders exist, otherwise
    /// speech from <c>&lt;dir&gt;</c> itself and per-fold TF-IDF text.
    /// </summary>
    public static (string Speech, string Text) FeatureSources(string features)
    {
        if (features == "builtin") return ("builtin", "tfidf");
        if (!features.StartsWith("npy:", StringComparison.Ordinal) || features.Length <= 4)
        {
            throw new ArgumentException($"features '{features}' is unknown; expected builtin or npy:<dir>");
        }
        var dir = features[4..];
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"features npy:{dir}: folder '{Path.GetFullPath(dir)}' does not exist; expected a folder of <utterance id>.npy files");
        var speechDir = Path.Combine(dir, "speech");
        var textDir = Path.Combine(dir, "text");
        if (Directory.Exists(speechDir)) return ("npy:" + speechDir, Directory.Exists(textDir) ? "npy:" + textDir : "tfidf");
        return ("npy:" + dir, "tfidf");
    }

    private CorpusSpec ResolveCorpus(string corpus)
    {
        if (IsSynthetic(corpus))
        {
            var dir = corpus == "synthetic" ? Path.Combine(WorkDirectory, "synthetic") : corpus["synthetic:".Length..];
            lock (cache)
            {
                // One generator at a time per process: two runs must not write the same folder at once.
                var (root, _) = FeaturePipeline.EnsureSynthetic(dir, Synthetic);
                return new CorpusSpec("iemocap", root);
            }
        }
        var spec = CorpusSpec.Parse(corpus);
        if (!Directory.Exists(spec.Path))
        {
            throw new DirectoryNotFoundException($"corpus {corpus}: folder '{Path.GetFullPath(spec.Path)}' does not exist; expected the {(spec.Kind == "msp" ? "MSP-Podcast" : "IEMOCAP")} release folder");
        }
        return spec;
    }

    private string ResolveCorpusLocation(string corpus) => corpus switch
    {
        "synthetic" => "synthetic:" + Path.Combine(WorkDirectory, "synthetic"),
        _ when IsSynthetic(corpus) => "synthetic:" + Path.GetFullPath(corpus["synthetic:".Length..]),
        _ => corpus[..(corpus.IndexOf(':', StringComparison.Ordinal) + 1)] + Path.GetFullPath(CorpusSpec.Parse(corpus).Path),
    };

    private static bool IsSynthetic(string corpus) => corpus == "synthetic" || corpus.StartsWith("synthetic:", StringComparison.Ordinal);
}
