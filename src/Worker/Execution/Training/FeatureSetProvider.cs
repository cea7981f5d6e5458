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
/// Gives every run of a sweep the feature set of its corpus/features/labels spec, stored once in the blob store under
/// <c>features/&lt;key&gt;/</c>. In a cluster the set's grain has workers prepare it in parallel before any run starts
/// (<see cref="PrepareAsync"/>: plan, shards, manifest); a run then reads it, shard by shard, verifying each shard's hash,
/// from this worker's local shard cache (<c>&lt;work&gt;/feature-cache</c>) or the store. A set that is not stored (no grain
/// prepared it, e.g. a no-op plan) is built by the run itself, as is one whose stored shards fail their hash check — and
/// the damaged shards are rewritten.
/// </summary>
/// <remarks>
/// Concurrent runs in one process wait on the same read or build (one <see cref="Lazy{T}"/> per key). Across processes two
/// builders may race; the store's shards are content-addressed and the manifest is written last, so both produce the
/// same blobs and no reader sees a torn set.
/// </remarks>
public sealed class FeatureSetProvider(string workDirectory, SyntheticOptions? synthetic = null)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<FeatureSet>>> cache = new(StringComparer.Ordinal);

    private readonly ConcurrentDictionary<string, LoadReport> reports = new(StringComparer.Ordinal);

    // Corpora loaded for preparation steps, by set prefix: a worker doing several shards of one set loads the corpus once.
    private readonly ConcurrentDictionary<string, Lazy<Task<Corpus>>> corpora = new(StringComparer.Ordinal);

    /// <summary>Folder for the default synthetic corpus (<c>&lt;work&gt;/synthetic</c>).</summary>
    public string WorkDirectory { get; } = Path.GetFullPath(workDirectory);

    /// <summary>Options of the synthetic corpus generated for <c>corpus: synthetic</c>.</summary>
    public SyntheticOptions Synthetic { get; } = synthetic ?? new SyntheticOptions();

    /// <summary>This worker's cache of feature shards by hash.</summary>
    public string ShardCacheDirectory => Path.Combine(WorkDirectory, "feature-cache");

    /// <summary>Rows per shard for a corpus of <paramref name="count"/> utterances: about 32 shards, 64 to 1,024 rows each.</summary>
    public static int ShardRowsFor(int count) => Math.Clamp((count + 31) / 32, 64, FeatureSetStore.DefaultShardRows);

    /// <summary>What the sweep asks for, from a run's protocol.</summary>
    public static FeatureSetRequest RequestOf(RunProtocol protocol) => new(protocol.Corpus, protocol.Features, protocol.Labels);

    /// <summary>Blob prefix of the cached set for a protocol (stable across processes).</summary>
    public string PrefixFor(RunProtocol protocol) => PrefixFor(RequestOf(protocol));

    /// <summary>Blob prefix of the stored set for a request, as this worker resolves it (folders, synthetic options).</summary>
    public string PrefixFor(FeatureSetRequest protocol)
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
            bool repair = false;
            int shardRows = FeatureSetStore.DefaultShardRows;
            if (await blobs.GetPropertiesAsync(FeatureSetStore.ManifestName(prefix)).ConfigureAwait(false) is not null)
            {
                try
                {
                    return await FeatureSetStore.ReadAsync(blobs, prefix, ShardCacheDirectory).ConfigureAwait(false);
                }
                catch (InvalidDataException)
                {
                    // A shard failed its hash or shape check: the stored set is damaged. Build it here and rewrite it with
                    // the same shard layout, so the damaged blobs themselves are replaced.
                    repair = true;
                    try
                    {
                        shardRows = (await FeatureSetStore.ReadManifestAsync(blobs, prefix).ConfigureAwait(false)).ShardRows;
                    }
                    catch (InvalidDataException)
                    {
                        // The manifest itself is damaged: the default layout, and a new manifest.
                    }
                }
            }
            var set = await Task.Run(() => Build(protocol)).ConfigureAwait(false);
            await FeatureSetStore.WriteAsync(blobs, prefix, set, shardRows, repair).ConfigureAwait(false);
            return set;
        }
        catch
        {
            // A failed build is not cached: the next run (or the retry) tries again instead of inheriting the error.
            cache.TryRemove(prefix, out _);
            throw;
        }
    }

    /// <summary>
    /// Does one step of preparing a set for its grain: <b>plan</b> — load the corpus, count its utterances, fix the shard
    /// size (or find the set already stored); <b>shard</b> — extract one range of rows and store it content-addressed;
    /// <b>assemble</b> — read every shard back (hash-verified; a damaged one is extracted again and rewritten) and write the
    /// manifest. Every step first checks that this worker resolves the set to the plan's fingerprint.
    /// </summary>
    public async Task<FeatureTaskResult> PrepareAsync(FeatureTask task, IBlobStore blobs, CancellationToken cancellationToken)
    {
        var prefix = PrefixFor(task.Request);
        if (task.Step != FeatureStep.Plan && task.Plan?.Fingerprint != prefix)
        {
            return new FeatureTaskResult(task.Step, task.Index, task.Attempt, Permanent: true,
                Error: $"this worker resolves the feature set to {prefix}, the plan to {task.Plan?.Fingerprint ?? "(none)"}: workers must share corpus folders and synthetic options");
        }
        var options = PipelineOptions(task.Request);
        switch (task.Step)
        {
            case FeatureStep.Plan:
            {
                if (await blobs.GetPropertiesAsync(FeatureSetStore.ManifestName(prefix), cancellationToken).ConfigureAwait(false) is not null)
                {
                    var stored = await FeatureSetStore.ReadManifestAsync(blobs, prefix, cancellationToken).ConfigureAwait(false);
                    return new FeatureTaskResult(task.Step, task.Index, task.Attempt, Plan: new FeaturePlan(stored.Count, stored.ShardRows, prefix, prefix));
                }
                var corpus = await CorpusAsync(prefix, options).ConfigureAwait(false);
                int count = corpus.Utterances.Count;
                return new FeatureTaskResult(task.Step, task.Index, task.Attempt, Plan: new FeaturePlan(count, ShardRowsFor(count), prefix));
            }
            case FeatureStep.Shard:
            {
                var corpus = await CorpusOfPlanAsync(prefix, options, task.Plan!).ConfigureAwait(false);
                var rows = await Task.Run(() => FeaturePipeline.ExtractRows(corpus, options, task.FirstRow, task.Rows, cancellationToken: cancellationToken), cancellationToken).ConfigureAwait(false);
                var shards = new List<FeatureShardRef>
                {
                    ToRef(await FeatureSetStore.WriteShardAsync(blobs, prefix, "speech", rows.Speech, task.FirstRow, task.Rows, rows.SpeechDim, cancellationToken: cancellationToken).ConfigureAwait(false)),
                };
                if (rows.Text is not null)
                {
                    shards.Add(ToRef(await FeatureSetStore.WriteShardAsync(blobs, prefix, "text", rows.Text, task.FirstRow, task.Rows, rows.TextDim, cancellationToken: cancellationToken).ConfigureAwait(false)));
                }
                return new FeatureTaskResult(task.Step, task.Index, task.Attempt, Shards: shards);
            }
            default:
            {
                var plan = task.Plan!;
                var corpus = await CorpusOfPlanAsync(prefix, options, plan).ConfigureAwait(false);
                var speech = await ReadMatrixAsync(task, prefix, "speech", corpus, options, blobs, cancellationToken).ConfigureAwait(false);
                var text = task.Shards.Any(s => s.Kind == "text") ? await ReadMatrixAsync(task, prefix, "text", corpus, options, blobs, cancellationToken).ConfigureAwait(false) : default;
                var set = FeaturePipeline.Compose(corpus, options, new FeatureRows(speech.Matrix, speech.Dim, text.Matrix, text.Dim));
                await FeatureSetStore.WriteAsync(blobs, prefix, set, plan.ShardRows, cancellationToken: cancellationToken).ConfigureAwait(false);
                // Runs of this worker read the set from memory; others from their caches or the store.
                cache.TryAdd(prefix, new Lazy<Task<FeatureSet>>(Task.FromResult(set)));
                return new FeatureTaskResult(task.Step, task.Index, task.Attempt, Manifest: prefix);
            }
        }
    }

    /// <summary>
    /// One matrix from the stored shards. A shard whose bytes fail their hash is extracted again here and rewritten
    /// (extraction is deterministic, so the hash must then match; if not, the corpus changed under the set).
    /// </summary>
    private async Task<(float[] Matrix, int Dim)> ReadMatrixAsync(FeatureTask task, string prefix, string kind, Corpus corpus, FeaturePipelineOptions options, IBlobStore blobs, CancellationToken ct)
    {
        var shards = task.Shards.Where(s => s.Kind == kind).Select(r => new FeatureShard(r.Kind, r.Name, r.FirstRow, r.Rows, r.Dim, r.Sha256)).ToList();
        int dim = shards[0].Dim;
        var matrix = await FeatureSetStore.ReadMatrixAsync(blobs, shards, task.Plan!.Count, dim, ShardCacheDirectory, async shard =>
        {
            var again = await Task.Run(() => FeaturePipeline.ExtractRows(corpus, options, shard.FirstRow, shard.Rows, cancellationToken: ct), ct).ConfigureAwait(false);
            var rows = kind == "text" ? again.Text! : again.Speech;
            var rewritten = await FeatureSetStore.WriteShardAsync(blobs, prefix, kind, rows, shard.FirstRow, shard.Rows, dim, overwrite: true, cancellationToken: ct).ConfigureAwait(false);
            if (rewritten.Sha256 != shard.Sha256)
            {
                throw new InvalidDataException($"{shard.Name}: extracted again, rows {shard.FirstRow}..{shard.FirstRow + shard.Rows - 1} hash to {rewritten.Sha256}, not {shard.Sha256}: the corpus changed while the set was prepared");
            }
            return rows;
        }, ct).ConfigureAwait(false);
        return (matrix, dim);
    }

    private static FeatureShardRef ToRef(FeatureShard s) => new(s.Kind, s.Name, s.FirstRow, s.Rows, s.Dim, s.Sha256);

    private Task<Corpus> CorpusAsync(string prefix, FeaturePipelineOptions options) =>
        corpora.GetOrAdd(prefix, p => new Lazy<Task<Corpus>>(() => LoadCorpusAsync(p, options))).Value;

    private async Task<Corpus> LoadCorpusAsync(string prefix, FeaturePipelineOptions options)
    {
        try
        {
            var (corpus, report) = await Task.Run(() => FeaturePipeline.LoadCorpus(options)).ConfigureAwait(false);
            reports[prefix] = report;
            return corpus;
        }
        catch
        {
            // A failed load is not cached: the next step (or its retry) tries again instead of inheriting the error.
            corpora.TryRemove(prefix, out _);
            throw;
        }
    }

    private async Task<Corpus> CorpusOfPlanAsync(string prefix, FeaturePipelineOptions options, FeaturePlan plan)
    {
        var corpus = await CorpusAsync(prefix, options).ConfigureAwait(false);
        if (corpus.Utterances.Count != plan.Count)
        {
            throw new InvalidDataException($"feature set {prefix}: this worker loads {corpus.Utterances.Count} utterances, the plan counted {plan.Count}: the corpus changed while the set was prepared");
        }
        return corpus;
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
    public FeaturePipelineOptions PipelineOptions(RunProtocol protocol) => PipelineOptions(RequestOf(protocol));

    /// <inheritdoc cref="PipelineOptions(RunProtocol)"/>
    public FeaturePipelineOptions PipelineOptions(FeatureSetRequest protocol)
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
