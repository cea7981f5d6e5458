using global::Azure.Core.Pipeline;
using global::Azure.Storage.Blobs;

namespace Amber.Storage.Blobs.Azure;

/// <summary>Tuning of <see cref="AzureBlobStore"/>; each value is handed to the Azure SDK's own options.</summary>
public sealed record AzureBlobStoreOptions
{
    /// <summary>
    /// Blob service API version the SDK sends; null uses the SDK's newest. Azurite refuses versions newer than its own
    /// unless started with <c>--skipApiVersionCheck</c> (test.sh does).
    /// </summary>
    public BlobClientOptions.ServiceVersion? ServiceVersion { get; init; }

    /// <summary>Uploads up to this size go in one Put Blob; larger ones in blocks of this size (the SDK's transfer size).</summary>
    public int BlockBytes { get; init; } = 4 << 20;

    /// <summary>Blocks uploaded at the same time for large objects (memory: about this many blocks).</summary>
    public int MaxConcurrentBlocks { get; init; } = 4;

    /// <summary>Retries after the first attempt for throttling, server errors, timeouts and network errors (SDK retry policy).</summary>
    public int MaxRetries { get; init; } = 8;

    /// <summary>First backoff delay; grows exponentially, with jitter.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest backoff delay.</summary>
    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(8);

    /// <summary>Time limit of one attempt's network activity.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(100);

    /// <summary>Entries per List Blobs page (the service's maximum is 5,000).</summary>
    public int ListPageSize { get; init; } = 5000;

    /// <summary>Create the container on first use when it does not exist.</summary>
    public bool CreateContainerIfMissing { get; init; } = true;

    /// <summary>The HTTP transport the SDK uses; null for its default. Tests inject faults through it.</summary>
    public HttpPipelineTransport? Transport { get; init; }

    internal void Validate()
    {
        if (BlockBytes is < 1024 or > 100 << 20) throw new ArgumentOutOfRangeException(nameof(BlockBytes), BlockBytes, "BlockBytes must be between 1 KiB and 100 MiB");
        if (MaxConcurrentBlocks < 1) throw new ArgumentOutOfRangeException(nameof(MaxConcurrentBlocks), MaxConcurrentBlocks, "MaxConcurrentBlocks must be at least 1");
        if (MaxRetries < 0) throw new ArgumentOutOfRangeException(nameof(MaxRetries), MaxRetries, "MaxRetries must not be negative");
        if (ListPageSize is < 1 or > 5000) throw new ArgumentOutOfRangeException(nameof(ListPageSize), ListPageSize, "ListPageSize must be between 1 and 5,000");
    }
}
