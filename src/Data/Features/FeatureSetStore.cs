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
    /// <param name="store">The blob store.</param>
    /// <param name="prefix">The set's prefix.</param>
    /// <param name="set">The set.</param>
    /// <param name="shardRows">Rows per shard.</param>
    /// <param name="repair">Overwrite shards that exist (their stored bytes failed a hash check) instead of trusting them.</param>
    /// <param name="cancellationToken">Cancels the writes.</param>
    public static async Task<FeatureSetManifest> WriteAsync(IBlobStore store, string prefix, FeatureSet set, int shardRows = DefaultShardRows,
        bool repair = false, CancellationToken cancellationToken = default)
    {
        if (shardRows < 1) throw new ArgumentOutOfRangeException(nameof(shardRows), shardRows, "shards need at least one row");
        prefix = prefix.TrimEnd('/');
        var shards = new List<FeatureShard>();
        shards.AddRange(await WriteMatrixAsync(store, prefix, "speech", set.Speech, set.SpeechDim, set.Count, shardRows, repair, cancellationToken));
        if (set.TextFeatures is not null)
        {
            shards.AddRange(await WriteMatrixAsync(store, prefix, "text", set.TextFeatures, set.TextDim, set.Count, shardRows, repair, cancellationToken));
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
    /// <param name="store">The blob store.</param>
    /// <param name="prefix">The set's prefix.</param>
    /// <param name="cacheDirectory">A local folder of shards by hash (a worker's cache), or null: a shard found there with
    /// the right hash is not downloaded; a downloaded shard is added.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <exception cref="InvalidDataException">Missing manifest or shard, wrong hash, or inconsistent shapes.</exception>
    public static async Task<FeatureSet> ReadAsync(IBlobStore store, string prefix, string? cacheDirectory = null, CancellationToken cancellationToken = default)
    {
        var manifest = await ReadManifestAsync(store, prefix, cancellationToken);
        var speech = await ReadMatrixAsync(store, manifest, "speech", manifest.SpeechDim, cacheDirectory, cancellationToken);
        float[]? text = manifest.TextDim > 0 ? await ReadMatrixAsync(store, manifest, "text", manifest.TextDim, cacheDirectory, cancellationToken) : null;
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
        int shardRows, bool repair, CancellationToken ct)
    {
        var shards = new List<FeatureShard>();
        for (int first = 0; first < count; first += shardRows)
        {
            int rows = Math.Min(shardRows, count - first);
            shards.Add(await WriteShardAsync(store, prefix, kind, matrix.AsMemory(first * dim, rows * dim), first, rows, dim, repair, ct));
        }
        return shards;
    }

    /// <summary>
    /// Writes one shard — rows <paramref name="firstRow"/> … of a <paramref name="kind"/> matrix, <c>[rows, dim]</c> — as a
    /// content-addressed NPY blob under <paramref name="prefix"/> (create-only: an existing blob of that name holds these
    /// bytes) and returns its entry for a manifest. <paramref name="overwrite"/> replaces an existing blob: its bytes
    /// failed the hash check that its name promises.
    /// </summary>
    public static async Task<FeatureShard> WriteShardAsync(IBlobStore store, string prefix, string kind, ReadOnlyMemory<float> rows, int firstRow, int rowCount, int dim,
        bool overwrite = false, CancellationToken cancellationToken = default)
    {
        if (rows.Length != rowCount * dim) throw new ArgumentException($"shard of {kind}: {rows.Length} values; expected {rowCount} × {dim}", nameof(rows));
        var bytes = NpyWriter.ToBytes(rows.Span, [rowCount, dim]);
        var sha = Hash(bytes);
        var name = BlobName.Validate($"{prefix.TrimEnd('/')}/shards/{kind}-{sha}.npy", nameof(prefix));
        try
        {
            using var body = new MemoryStream(bytes);
            await store.PutAsync(name, body, new BlobPutOptions("application/octet-stream", Condition: overwrite ? null : BlobCondition.IfNotExists), cancellationToken);
        }
        catch (BlobConditionFailedException)
        {
            // Content-addressed: an existing blob under this name already holds these bytes.
        }
        return new FeatureShard(kind, name, firstRow, rowCount, dim, sha);
    }

    /// <summary>
    /// Reads one shard's rows (<c>[rows, dim]</c>), from <paramref name="cacheDirectory"/> when it holds the shard's hash,
    /// otherwise from the store (then caching it). The bytes are verified against the shard's SHA-256 and shape either way.
    /// </summary>
    /// <exception cref="InvalidDataException">Missing shard, wrong hash (names both hashes), or wrong shape.</exception>
    public static async Task<float[]> ReadShardAsync(IBlobStore store, FeatureShard shard, string? cacheDirectory = null, CancellationToken cancellationToken = default)
    {
        var bytes = await ReadCachedAsync(shard, cacheDirectory, cancellationToken);
        if (bytes is null)
        {
            await using (var download = await store.GetAsync(shard.Name, cancellationToken) ?? throw new InvalidDataException($"{shard.Name}: shard named in the manifest is missing"))
            {
                using var ms = new MemoryStream();
                await download.Content.CopyToAsync(ms, cancellationToken);
                bytes = ms.ToArray();
            }
            var sha = Hash(bytes);
            if (sha != shard.Sha256) throw new InvalidDataException($"{shard.Name}: SHA-256 is {sha}; the manifest expects {shard.Sha256}");
            await WriteCachedAsync(shard, bytes, cacheDirectory, cancellationToken);
        }
        var a = NpyReader.Read(new MemoryStream(bytes), shard.Name);
        if (a.Shape.Length != 2 || a.Shape[0] != shard.Rows || a.Shape[1] != shard.Dim)
        {
            throw new InvalidDataException($"{shard.Name}: shape {a.ShapeText}; expected ({shard.Rows}, {shard.Dim})");
        }
        return a.Data;
    }

    private static async Task<byte[]?> ReadCachedAsync(FeatureShard shard, string? cacheDirectory, CancellationToken ct)
    {
        if (cacheDirectory is null) return null;
        var path = Path.Combine(cacheDirectory, shard.Sha256 + ".npy");
        if (!File.Exists(path)) return null;
        var bytes = await File.ReadAllBytesAsync(path, ct);
        if (Hash(bytes) == shard.Sha256) return bytes;
        File.Delete(path); // a damaged cache file: fetch the shard again
        return null;
    }

    private static async Task WriteCachedAsync(FeatureShard shard, byte[] bytes, string? cacheDirectory, CancellationToken ct)
    {
        if (cacheDirectory is null) return;
        Directory.CreateDirectory(cacheDirectory);
        var path = Path.Combine(cacheDirectory, shard.Sha256 + ".npy");
        // Write aside, then rename: a reader never sees a half-written file (and would reject it by hash anyway).
        var temp = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        await File.WriteAllBytesAsync(temp, bytes, ct);
        File.Move(temp, path, overwrite: true);
    }

    private static Task<float[]> ReadMatrixAsync(IBlobStore store, FeatureSetManifest manifest, string kind, int dim, string? cacheDirectory, CancellationToken ct) =>
        ReadMatrixAsync(store, manifest.Shards.Where(s => s.Kind == kind).ToList(), manifest.Count, dim, cacheDirectory, null, ct);

    /// <summary>
    /// One matrix <c>[count, dim]</c> from its shards (any order), each read with <see cref="ReadShardAsync"/>; the shards
    /// must cover rows 0 … count − 1 exactly. A shard that fails its hash or shape check goes to <paramref name="damaged"/>
    /// (which returns the shard's rows, e.g. extracted again), or the read fails when it is null.
    /// </summary>
    /// <exception cref="InvalidDataException">Shards that do not tile the matrix, or a damaged shard without a repair.</exception>
    public static async Task<float[]> ReadMatrixAsync(IBlobStore store, IReadOnlyList<FeatureShard> shards, int count, int dim, string? cacheDirectory,
        Func<FeatureShard, Task<float[]>>? damaged, CancellationToken cancellationToken = default)
    {
        var matrix = new float[count * dim];
        int covered = 0;
        foreach (var shard in shards.OrderBy(s => s.FirstRow))
        {
            if (shard.FirstRow != covered || shard.Dim != dim) throw new InvalidDataException($"{shard.Name}: shard starts at row {shard.FirstRow} with {shard.Dim} columns; expected row {covered} and {dim} columns");
            float[] rows;
            try
            {
                rows = await ReadShardAsync(store, shard, cacheDirectory, cancellationToken);
            }
            catch (InvalidDataException) when (damaged is not null)
            {
                rows = await damaged(shard);
            }
            rows.CopyTo(matrix, shard.FirstRow * dim);
            covered += shard.Rows;
        }
        if (covered != count) throw new InvalidDataException($"{(shards.Count > 0 ? shards[0].Kind : "feature")} shards cover {covered} rows; expected {count}");
        return matrix;
    }

    private static string Hash(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
