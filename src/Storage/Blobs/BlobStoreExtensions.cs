namespace Amber.Storage.Blobs;

/// <summary>Conveniences over <see cref="IBlobStore"/> that every backend gets for free.</summary>
public static class BlobStoreExtensions
{
    /// <summary>Whether an object exists under <paramref name="name"/>.</summary>
    public static async Task<bool> ExistsAsync(this IBlobStore store, string name, CancellationToken cancellationToken = default) =>
        await store.GetPropertiesAsync(name, cancellationToken).ConfigureAwait(false) is not null;

    /// <summary>Writes a small object from memory.</summary>
    public static Task<BlobProperties> PutBytesAsync(this IBlobStore store, string name, ReadOnlyMemory<byte> bytes, BlobPutOptions? options = null, CancellationToken cancellationToken = default)
    {
        var stream = new MemoryStream(bytes.ToArray(), writable: false);
        return store.PutAsync(name, stream, options, cancellationToken);
    }

    /// <summary>Reads a whole (small) object with its properties, or null when it does not exist.</summary>
    public static async Task<(byte[] Bytes, BlobProperties Properties)?> GetBytesAsync(this IBlobStore store, string name, CancellationToken cancellationToken = default)
    {
        var download = await store.GetAsync(name, cancellationToken).ConfigureAwait(false);
        if (download is null) return null;
        await using (download.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            await download.Content.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            return (buffer.ToArray(), download.Properties);
        }
    }
}
