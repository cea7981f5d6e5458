using System.Security.Cryptography;
using System.Text;

namespace Amber.Grains.Contracts;

/// <summary>What a feature set is made from: the sweep's corpus, features and labels entries, as written.</summary>
/// <param name="Corpus">"synthetic", "iemocap:&lt;path&gt;", "msp:&lt;path&gt;".</param>
/// <param name="Features">"builtin" or "npy:&lt;dir&gt;".</param>
/// <param name="Labels">The sweep's <c>labels</c> map.</param>
[GenerateSerializer, Immutable]
public sealed record FeatureSetRequest(string Corpus, string Features, IReadOnlyDictionary<string, string> Labels)
{
    /// <summary>
    /// The feature-set grain's key: a hash of the three entries, so sweeps that ask for the same set share one grain (and
    /// its shards). Where they resolve to on a worker (folders, synthetic options) is the plan's fingerprint.
    /// </summary>
    public string Key
    {
        get
        {
            var text = new StringBuilder().Append("corpus=").Append(Corpus).Append('\n').Append("features=").Append(Features).Append('\n');
            foreach (var (k, v) in Labels.OrderBy(kv => kv.Key, StringComparer.Ordinal)) text.Append(k).Append('=').Append(v).Append('\n');
            return "fs-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..20];
        }
    }
}

/// <summary>Where a feature set's preparation stands.</summary>
[GenerateSerializer]
public enum FeatureSetStatus
{
    /// <summary>A worker loads the corpus to count its utterances and fix the shards.</summary>
    Planning,

    /// <summary>Workers extract the shards in parallel.</summary>
    Extracting,

    /// <summary>Every shard is stored; a worker verifies them and writes the manifest.</summary>
    Assembling,

    /// <summary>The manifest is written; runs read the set (or, with no manifest, need none).</summary>
    Ready,

    /// <summary>Preparing failed for good; runs build the set themselves and fail with the data error.</summary>
    Failed,
}

/// <summary>The steps of preparing a feature set that a worker is handed.</summary>
[GenerateSerializer]
public enum FeatureStep
{
    /// <summary>Load the corpus; report its size and the worker's fingerprint of the set.</summary>
    Plan,

    /// <summary>Extract one range of rows and store it as content-addressed shards.</summary>
    Shard,

    /// <summary>Read every shard back (verifying hashes) and write the manifest.</summary>
    Assemble,
}

/// <summary>One stored shard of a feature set (as in the manifest).</summary>
/// <param name="Kind">"speech" or "text".</param>
/// <param name="Name">Blob name (content-addressed).</param>
/// <param name="FirstRow">First row.</param>
/// <param name="Rows">Rows.</param>
/// <param name="Dim">Columns.</param>
/// <param name="Sha256">SHA-256 of the NPY bytes.</param>
[GenerateSerializer, Immutable]
public sealed record FeatureShardRef(string Kind, string Name, int FirstRow, int Rows, int Dim, string Sha256);

/// <summary>What the plan step found.</summary>
/// <param name="Count">Utterances in the corpus (0: the executor needs no feature set).</param>
/// <param name="ShardRows">Rows per shard.</param>
/// <param name="Fingerprint">The blob prefix the planning worker resolves the set to (folders, synthetic options): every
/// later step must resolve to the same one, or it refuses.</param>
/// <param name="StoredManifest">The set is already in the blob store under this prefix (built before): nothing to extract.</param>
[GenerateSerializer, Immutable]
public sealed record FeaturePlan(int Count, int ShardRows, string Fingerprint, string? StoredManifest = null);

/// <summary>One step of preparing a feature set, handed to a worker.</summary>
/// <param name="SetKey">The feature-set grain.</param>
/// <param name="Request">What the set is made from.</param>
/// <param name="Step">Plan, shard or assemble.</param>
/// <param name="Index">The shard's index (0 for plan and assemble).</param>
/// <param name="Attempt">Attempt of this step (fencing: a late answer of an older attempt is refused).</param>
/// <param name="FirstRow">First row of the shard.</param>
/// <param name="Rows">Rows of the shard.</param>
/// <param name="Plan">The plan (for shard and assemble).</param>
/// <param name="Shards">Every stored shard (for assemble).</param>
[GenerateSerializer, Immutable]
public sealed record FeatureTask(string SetKey, FeatureSetRequest Request, FeatureStep Step, int Index, int Attempt, int FirstRow, int Rows,
    FeaturePlan? Plan, IReadOnlyList<FeatureShardRef> Shards);

/// <summary>A worker's answer to a <see cref="FeatureTask"/>.</summary>
/// <param name="Step">The step answered.</param>
/// <param name="Index">Its index.</param>
/// <param name="Attempt">Its attempt.</param>
/// <param name="Plan">The plan (plan step).</param>
/// <param name="Shards">The shards written (shard step).</param>
/// <param name="Manifest">The set's blob prefix, whose manifest was written (assemble step).</param>
/// <param name="Error">Why the step failed (no file content), or null.</param>
/// <param name="Permanent">The failure is in the data or the spec and would recur: the set fails at once.</param>
[GenerateSerializer, Immutable]
public sealed record FeatureTaskResult(FeatureStep Step, int Index, int Attempt, FeaturePlan? Plan = null, IReadOnlyList<FeatureShardRef>? Shards = null,
    string? Manifest = null, string? Error = null, bool Permanent = false);

/// <summary>A feature set as its grain reports it.</summary>
/// <param name="Key">The grain's key.</param>
/// <param name="Status">Where preparation stands.</param>
/// <param name="ShardCount">Shards planned (0 before the plan).</param>
/// <param name="ShardsDone">Shards stored.</param>
/// <param name="Manifest">Blob prefix of the set when ready (null: the executor needs none).</param>
/// <param name="Fingerprint">The plan's fingerprint.</param>
/// <param name="Error">Why preparing failed.</param>
[GenerateSerializer, Immutable]
public sealed record FeatureSetInfo(string Key, FeatureSetStatus Status, int ShardCount, int ShardsDone, string? Manifest, string? Fingerprint, string? Error)
{
    /// <summary>Ready or failed: runs need not wait any longer.</summary>
    public bool IsSettled => Status is FeatureSetStatus.Ready or FeatureSetStatus.Failed;

    /// <summary>What a waiting run is waiting for, e.g. "3 of 12 shards extracted"; null once settled.</summary>
    public string? Progress => Status switch
    {
        FeatureSetStatus.Planning => "planning the shards",
        FeatureSetStatus.Extracting => $"{ShardsDone} of {ShardCount} shards extracted",
        FeatureSetStatus.Assembling => "verifying the shards and writing the manifest",
        _ => null,
    };
}

/// <summary>The answer to a lease request on a feature set: a step to do (or null) and the set's state.</summary>
[GenerateSerializer, Immutable]
public sealed record FeatureLeaseResult(WorkItem? Work, FeatureSetInfo Info);
