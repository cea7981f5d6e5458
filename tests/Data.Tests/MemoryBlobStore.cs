using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Amber.Storage.Blobs;

namespace Amber.Data.Tests;

/// <summary>An in-memory <see cref="IBlobStore"/> test double: enough of the contract for the shard tests (conditions, listing).</summary>
internal sealed class MemoryBlobStore : IBlobStore
{
    private readonly ConcurrentDictionary<string, (byte[] Bytes, BlobProperties Props)> _blobs = new(StringComparer.Ordinal);
    private int _version;

    public int Puts { get; private set; }

    public IReadOnlyCollection<string> Names => _blobs.Keys.Order(StringComparer.Ordinal).ToArray();

    public async Task<BlobProperties> PutAsync(string name, Stream content, BlobPutOptions? options = null, CancellationToken cancellationToken = default)
    {
        BlobName.Validate(name);
        using var ms = new MemoryStream();
        await content.CopyToAsync(ms, cancellationToken);
        lock (_blobs)
        {
            var exists = _blobs.TryGetValue(name, out var current);
            if (options?.Condition is { IfNoneMatchAny: true } && exists) throw new BlobConditionFailedException(name, $"{name} exists");
            if (options?.Condition?.IfMatch is { } etag && (!exists || current.Props.ETag != etag)) throw new BlobConditionFailedException(name, $"{name} changed");
            Puts++;
            var props = new BlobProperties(name, $"\"{++_version}\"", ms.Length, options?.ContentType ?? "application/octet-stream", DateTimeOffset.UtcNow,
                options?.Metadata ?? new Dictionary<string, string>());
            _blobs[name] = (ms.ToArray(), props);
            return props;
        }
    }

    public Task<BlobDownload?> GetAsync(string name, CancellationToken cancellationToken = default) =>
        Task.FromResult(_blobs.TryGetValue(name, out var b) ? new BlobDownload(b.Props, new MemoryStream(b.Bytes, writable: false)) : null);

    public Task<BlobProperties?> GetPropertiesAsync(string name, CancellationToken cancellationToken = default) =>
        Task.FromResult(_blobs.TryGetValue(name, out var b) ? b.Props : null);

    public async IAsyncEnumerable<BlobProperties> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var name in Names.Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            await Task.Yield();
            yield return _blobs[name].Props;
        }
    }

    public Task<bool> DeleteAsync(string name, BlobCondition? condition = null, CancellationToken cancellationToken = default) =>
        Task.FromResult(_blobs.TryRemove(name, out _));

    /// <summary>Overwrites a blob's bytes behind the store's back (to test corruption detection).</summary>
    public void Corrupt(string name, Func<byte[], byte[]> change)
    {
        var b = _blobs[name];
        _blobs[name] = (change(b.Bytes), b.Props);
    }
}
