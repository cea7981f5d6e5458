using System.Security.Cryptography;
using System.Text.Json;
using Amber.Data.Corpora;
using Amber.Data.Npy;
using Amber.Storage.Blobs;

namespace Amber.Data.Features;

/// <summary>
/// Stores a <see cref="FeatureSet"/> in an <see cref="IBlobStore"/> as fixed-size NPY shards plus <c>manifest.json</c>.
/// Shards are content-addressed (<c>&lt;prefix&gt;/shards/&lt;kind&gt;-&lt;sha256&gt;.npy</c>) and written create-only, so
/// rewriting an unchanged set uploads nothing new and concurrent writers cannot tear one; the manifest is written last,
/// so a reader that finds it finds every shard it names. Reading verifies every shard's hash and shape.
/// </summary>
public static class FeatureSetStore
{
    /// <summary>Format tag in the manifest.</summary>
    public const string FormatTag = "amber-featureset-v1";

    /// <summary>Default rows per shard.</summary>
    public const int DefaultShardRows = 1024;

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = false };

    /// <summary>Name of the manifest blob under a prefix.</summary>
    public static string ManifestName(string prefix) => BlobName.Validate($"{prefix.TrimEnd('/')}/manifest.json", nameof(prefix));

    /// <summary>Writes the set under <paramref name="prefix"/> and returns its manifest.</summary>
    public static async Task<FeatureSetManifest> WriteAsync(IBlobStore store, string prefix, FeatureSet set, int shardRows = DefaultShardRows,
        CancellationToken cancellationToken = default)
    {
        if (shardRows < 1) throw new ArgumentOutOfRangeException(nameof(shardRows), shardRows, "shards need at least one row");
        prefix = prefix.TrimEnd('/');
        var shards = new List<FeatureShard>();
        shards.AddRange(await WriteMatrixAsync(store, prefix, "speech", set.Speech, set.SpeechDim, set.Count, shardRows, cancellationToken));
        if (set.TextFeatures is not null)
        {
            shards.AddRange(await WriteMatrixAsync(store, prefix, "text", set.TextFeatures, set.TextDim, set.Count, shardRows, cancellationToken));
        }
        var c = set.ClassCount;
        var manifest = new FeatureSetManifest
        {
            Count = set.Count,
            Classes = [.. set.Classes],
            SpeechDim = set.SpeechDim,
            SpeechNames = set.SpeechNames,
            SpeechSource = set.SpeechSource,
            TextDim = set.TextDim,
            TextSource = set.TextSource,
            ShardRows = shardRows,
            Shards = [.. shards],
            Ids = set.Ids,
            Sessions = set.Sessions,
            Speakers = set.Speakers,
            Genders = set.Genders,
            Splits = set.Splits,
            LabelSources = set.LabelSources,
            SoftLabels = Enumerable.Range(0, set.Count).Select(i => set.SoftLabels.AsSpan(i * c, c).ToArray()).ToArray(),
            HardLabels = set.HardLabels,
            Texts = set.Texts,
        };
        manifest = manifest with { ContentSha256 = Hash(JsonSerializer.SerializeToUtf8Bytes(manifest, Json)) };
        using var body = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(manifest, Json));
        await store.PutAsync(ManifestName(prefix), body, new BlobPutOptions("application/json"), cancellationToken);
        return manifest;
    }

    /// <summary>Reads the set under <paramref name="prefix"/>, verifying shard hashes and shapes.</summary>
    /// <exception cref="InvalidDataException">Missing manifest or shard, wrong hash, or inconsistent shapes.</exception>
    public static async Task<FeatureSet> ReadAsync(IBlobStore store, string prefix, CancellationToken cancellationToken = default)
    {
        var manifest = await ReadManifestAsync(store, prefix, cancellationToken);
        var speech = await ReadMatrixAsync(store, manifest, "speech", manifest.SpeechDim, cancellationToken);
        float[]? text = manifest.TextDim > 0 ? await ReadMatrixAsync(store, manifest, "text", manifest.TextDim, cancellationToken) : null;
        int c = manifest.Classes.Length;
        var soft = new float[manifest.Count * c];
        for (int i = 0; i < manifest.Count; i++)
        {
            if (manifest.SoftLabels[i].Length != c) throw new InvalidDataException($"{ManifestName(prefix)}: soft label of row {i} has {manifest.SoftLabels[i].Length} values; expected {c}");
            manifest.SoftLabels[i].CopyTo(soft, i * c);
        }
        return new FeatureSet
        {
            Ids = manifest.Ids,
            Sessions = manifest.Sessions,
            Speakers = manifest.Speakers,
            Genders = manifest.Genders,
            Splits = manifest.Splits,
            LabelSources = manifest.LabelSources,
            Classes = manifest.Classes,
            SoftLabels = soft,
            HardLabels = manifest.HardLabels,
            Speech = speech,
            SpeechDim = manifest.SpeechDim,
            SpeechNames = manifest.SpeechNames,
            SpeechSource = manifest.SpeechSource,
            Texts = manifest.Texts,
            TextFeatures = text,
            TextDim = manifest.TextDim,
            TextSource = manifest.TextSource,
        };
    }

    /// <summary>Reads and checks only the manifest.</summary>
    public static async Task<FeatureSetManifest> ReadManifestAsync(IBlobStore store, string prefix, CancellationToken cancellationToken = default)
    {
        var name = ManifestName(prefix);
        await using var download = await store.GetAsync(name, cancellationToken)
            ?? throw new InvalidDataException($"{name}: no feature-set manifest under prefix '{prefix}'; run 'amber features extract' first");
        FeatureSetManifest manifest;
        try
        {
            manifest = await JsonSerializer.DeserializeAsync<FeatureSetManifest>(download.Content, Json, cancellationToken)
                ?? throw new InvalidDataException($"{name}: empty manifest");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{name}: not a valid manifest JSON ({e.Message})", e);
        }
        if (manifest.Format != FormatTag) throw new InvalidDataException($"{name}: format '{manifest.Format}'; expected '{FormatTag}'");
        int n = manifest.Count;
        foreach (var (field, length) in new (string, int)[]
                 {
                     ("ids", manifest.Ids.Length), ("sessions", manifest.Sessions.Length), ("speakers", manifest.Speakers.Length),
                     ("genders", manifest.Genders.Length), ("splits", manifest.Splits.Length), ("label_sources", manifest.LabelSources.Length),
                     ("soft_labels", manifest.SoftLabels.Length), ("hard_labels", manifest.HardLabels.Length), ("texts", manifest.Texts.Length),
                 })
        {
            if (length != n) throw new InvalidDataException($"{name}: field '{field}' has {length} entries; expected count = {n}");
        }
        var check = manifest with { ContentSha256 = "" };
        var hash = Hash(JsonSerializer.SerializeToUtf8Bytes(check, Json));
        if (hash != manifest.ContentSha256) throw new InvalidDataException($"{name}: content_sha256 is {manifest.ContentSha256} but the manifest hashes to {hash}; it was edited or corrupted");
        return manifest;
    }

    private static async Task<List<FeatureShard>> WriteMatrixAsync(IBlobStore store, string prefix, string kind, float[] matrix, int dim, int count,
        int shardRows, CancellationToken ct)
    {
        var shards = new List<FeatureShard>();
        for (int first = 0; first < count; first += shardRows)
        {
            int rows = Math.Min(shardRows, count - first);
            var bytes = NpyWriter.ToBytes(matrix.AsSpan(first * dim, rows * dim), [rows, dim]);
            var sha = Hash(bytes);
            var name = BlobName.Validate($"{prefix}/shards/{kind}-{sha}.npy", nameof(prefix));
            try
            {
                using var body = new MemoryStream(bytes);
                await store.PutAsync(name, body, new BlobPutOptions("application/octet-stream", Condition: BlobCondition.IfNotExists), ct);
            }
            catch (BlobConditionFailedException)
            {
                // Content-addressed: an existing blob under this name already holds these bytes.
            }
            shards.Add(new FeatureShard(kind, name, first, rows, dim, sha));
        }
        return shards;
    }

    private static async Task<float[]> ReadMatrixAsync(IBlobStore store, FeatureSetManifest manifest, string kind, int dim, CancellationToken ct)
    {
        var matrix = new float[manifest.Count * dim];
        int covered = 0;
        foreach (var shard in manifest.Shards.Where(s => s.Kind == kind).OrderBy(s => s.FirstRow))
        {
            if (shard.FirstRow != covered || shard.Dim != dim) throw new InvalidDataException($"{shard.Name}: shard starts at row {shard.FirstRow} with {shard.Dim} columns; expected row {covered} and {dim} columns");
            await using var download = await store.GetAsync(shard.Name, ct) ?? throw new InvalidDataException($"{shard.Name}: shard named in the manifest is missing");
            using var ms = new MemoryStream();
            await download.Content.CopyToAsync(ms, ct);
            var bytes = ms.ToArray();
            var sha = Hash(bytes);
            if (sha != shard.Sha256) throw new InvalidDataException($"{shard.Name}: SHA-256 is {sha}; the manifest expects {shard.Sha256}");
            var a = NpyReader.Read(new MemoryStream(bytes), shard.Name);
            if (a.Shape.Length != 2 || a.Shape[0] != shard.Rows || a.Shape[1] != dim)
            {
                throw new InvalidDataException($"{shard.Name}: shape {a.ShapeText}; expected ({shard.Rows}, {dim})");
            }
            a.Data.CopyTo(matrix, shard.FirstRow * dim);
            covered += shard.Rows;
        }
        if (covered != manifest.Count) throw new InvalidDataException($"{kind} shards cover {covered} rows; expected {manifest.Count}");
        return matrix;
    }

    private static string Hash(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
