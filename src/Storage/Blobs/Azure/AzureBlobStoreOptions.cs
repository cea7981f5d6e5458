namespace Amber.Storage.Blobs.Azure;

/// <summary>Tuning of <see cref="AzureBlobStore"/>.</summary>
public sealed record AzureBlobStoreOptions
{
    /// <summary>REST API version sent in x-ms-version (Azurite 3.37 accepts it).</summary>
    public string ApiVersion { get; init; } = "2021-08-06";

    /// <summary>Uploads up to this size go in one Put Blob; larger ones in blocks of this size.</summary>
    public int BlockBytes { get; init; } = 4 << 20;

    /// <summary>Blocks uploaded at the same time for large objects (memory: this many blocks plus one).</summary>
    public int MaxConcurrentBlocks { get; init; } = 4;

    /// <summary>Retries after the first attempt for 408/429/500/502/503/504 and network errors.</summary>
    public int MaxRetries { get; init; } = 8;

    /// <summary>First backoff delay; doubles per retry, with jitter.</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest backoff delay.</summary>
    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(8);

    /// <summary>Time limit of one attempt.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(100);

    /// <summary>Entries per List Blobs page (the service's maximum is 5,000).</summary>
    public int ListPageSize { get; init; } = 5000;

    /// <summary>Create the container on first use when it does not exist.</summary>
    public bool CreateContainerIfMissing { get; init; } = true;
}
