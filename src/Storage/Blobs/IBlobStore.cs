namespace Amber.Storage.Blobs;

/// <summary>
/// A flat namespace of named, immutable-unless-conditionally-replaced byte objects: the project's artifact store.
/// Implemented by a local folder (<c>FileSystemBlobStore</c>, the embedded default) and Azure Blob Storage through the Azure
/// SDK (<c>AzureBlobStore</c>). Both pass one contract test suite.
/// </summary>
/// <remarks>
/// Names are '/'-separated relative paths (see <see cref="BlobName.Validate"/>). Every write is atomic: a reader sees
/// either the old object or the new one, never a torn one. Conditional writes make "create only if absent"
/// and "replace only if unchanged" safe between concurrent writers.
/// </remarks>
public interface IBlobStore
{
    /// <summary>Writes <paramref name="content"/> under <paramref name="name"/> (streamed; memory stays bounded).</summary>
    /// <exception cref="BlobConditionFailedException">The <see cref="BlobPutOptions.Condition"/> did not hold; nothing was written.</exception>
    Task<BlobProperties> PutAsync(string name, Stream content, BlobPutOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Opens the object for reading, or returns null when it does not exist.</summary>
    Task<BlobDownload?> GetAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>The object's properties (ETag, length, content type, metadata), or null when it does not exist.</summary>
    Task<BlobProperties?> GetPropertiesAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Lists objects whose names start with <paramref name="prefix"/>, in ordinal name order, fetching pages lazily.</summary>
    IAsyncEnumerable<BlobProperties> ListAsync(string prefix, CancellationToken cancellationToken = default);

    /// <summary>Deletes the object; returns false when it did not exist.</summary>
    /// <exception cref="BlobConditionFailedException">An <see cref="BlobCondition.IfMatch"/> ETag did not match.</exception>
    Task<bool> DeleteAsync(string name, BlobCondition? condition = null, CancellationToken cancellationToken = default);
}

/// <summary>Options of a write.</summary>
/// <param name="ContentType">MIME type stored with the object (default application/octet-stream).</param>
/// <param name="Metadata">Small string key/value pairs stored with the object (keys: C# identifier characters).</param>
/// <param name="Condition">Precondition that must hold for the write to happen.</param>
public sealed record BlobPutOptions(
    string? ContentType = null,
    IReadOnlyDictionary<string, string>? Metadata = null,
    BlobCondition? Condition = null);

/// <summary>An HTTP-style precondition: <c>If-Match: etag</c> and/or <c>If-None-Match: *</c>.</summary>
/// <param name="IfMatch">The write happens only if the current object has this ETag.</param>
/// <param name="IfNoneMatchAny">The write happens only if no object exists under the name.</param>
public sealed record BlobCondition(string? IfMatch = null, bool IfNoneMatchAny = false)
{
    /// <summary>Create only: fails if the name is taken.</summary>
    public static BlobCondition IfNotExists { get; } = new(IfNoneMatchAny: true);

    /// <summary>Replace only the version that was read.</summary>
    public static BlobCondition IfETagMatches(string etag) => new(IfMatch: etag);
}

/// <summary>What a store knows about one object.</summary>
public sealed record BlobProperties(
    string Name,
    string ETag,
    long Length,
    string ContentType,
    DateTimeOffset LastModified,
    IReadOnlyDictionary<string, string> Metadata);

/// <summary>An open object: its properties and a read-only stream the caller disposes.</summary>
public sealed class BlobDownload(BlobProperties properties, Stream content) : IAsyncDisposable, IDisposable
{
    /// <summary>The properties of the version being read.</summary>
    public BlobProperties Properties { get; } = properties;

    /// <summary>The object's bytes.</summary>
    public Stream Content { get; } = content;

    /// <inheritdoc />
    public ValueTask DisposeAsync() => Content.DisposeAsync();

    /// <inheritdoc />
    public void Dispose() => Content.Dispose();
}

/// <summary>A conditional write or delete found the object in another state than required; nothing changed.</summary>
public sealed class BlobConditionFailedException(string name, string message) : IOException(message)
{
    /// <summary>The object's name.</summary>
    public string BlobName { get; } = name;
}
