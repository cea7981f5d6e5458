using System.Net;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using global::Azure;
using global::Azure.Core;
using global::Azure.Core.Pipeline;
using global::Azure.Identity;
using global::Azure.Storage.Blobs;
using global::Azure.Storage.Blobs.Models;
using global::Azure.Storage;

namespace Amber.Storage.Blobs.Azure;

/// <summary>
/// <see cref="IBlobStore"/> on Azure Blob Storage: a thin adapter over the Azure SDK's <see cref="BlobContainerClient"/>.
/// The SDK signs requests (Shared Key, SAS or a Microsoft Entra token), uploads large objects in blocks with bounded
/// memory, retries transient failures and resumes interrupted downloads; this class maps the store contract onto it:
/// create-only and replace-if-unchanged writes through <c>If-None-Match: *</c> / <c>If-Match</c>, missing objects as null,
/// failed conditions as <see cref="BlobConditionFailedException"/>, every other failure as <see cref="AzureBlobException"/>
/// with no secret in its message.
/// </summary>
public sealed partial class AzureBlobStore : IBlobStore, IDisposable
{
    private readonly BlobContainerClient _container;
    private readonly AzureBlobStoreOptions _options;
    private readonly string[] _secrets;
    private readonly SemaphoreSlim _containerLock = new(1, 1);
    private readonly RequestCounter _calls = new();
    private readonly RequestCounter _attempts = new();
    private bool _containerReady;

    private AzureBlobStore(Func<BlobClientOptions, BlobServiceClient> connect, string container, AzureBlobStoreOptions? options, string[] secrets, string authentication)
    {
        ValidateContainerName(container);
        _options = options ?? new AzureBlobStoreOptions();
        _options.Validate();
        _secrets = secrets.Where(s => s.Length >= 4).ToArray();
        Authentication = authentication;
        var clientOptions = _options.ServiceVersion is { } version ? new BlobClientOptions(version) : new BlobClientOptions();
        clientOptions.Retry.Mode = RetryMode.Exponential;
        clientOptions.Retry.MaxRetries = _options.MaxRetries;
        clientOptions.Retry.Delay = _options.RetryBaseDelay;
        clientOptions.Retry.MaxDelay = _options.RetryMaxDelay;
        clientOptions.Retry.NetworkTimeout = _options.AttemptTimeout;
        if (_options.Transport is not null) clientOptions.Transport = _options.Transport;
        clientOptions.AddPolicy(_calls, HttpPipelinePosition.PerCall);
        clientOptions.AddPolicy(_attempts, HttpPipelinePosition.PerRetry);
        try
        {
            _container = connect(clientOptions).GetBlobContainerClient(container);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException or UriFormatException)
        {
            // The SDK's parse errors may quote the connection string; show only which keys it had.
            throw new FormatException($"the Azure Storage connection is not valid ({Mask(e.Message, _secrets)})");
        }
    }

    /// <summary>
    /// A store from an Azure Storage connection string: <c>AccountName/AccountKey</c> (+ <c>BlobEndpoint</c> or
    /// <c>EndpointSuffix</c>), <c>BlobEndpoint</c> + <c>SharedAccessSignature</c>, or <c>UseDevelopmentStorage=true</c>.
    /// </summary>
    /// <exception cref="FormatException">The string is not a connection string; the message names keys, never values.</exception>
    public static AzureBlobStore FromConnectionString(string connectionString, string container, AzureBlobStoreOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var parts = connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .ToDictionary(p => p[0].Trim(), p => p.Length > 1 ? p[1].Trim() : "", StringComparer.OrdinalIgnoreCase);
        var secrets = Secrets(parts.GetValueOrDefault("AccountKey"), parts.GetValueOrDefault("SharedAccessSignature"));
        var authentication = parts.ContainsKey("SharedAccessSignature") ? "sas" : "shared-key";
        if (!parts.ContainsKey("UseDevelopmentStorage") && !parts.ContainsKey("AccountKey") && !parts.ContainsKey("SharedAccessSignature"))
            throw new FormatException($"the Azure Storage connection string has keys [{string.Join(", ", parts.Keys)}]: it needs AccountName and AccountKey, " +
                                      "BlobEndpoint and SharedAccessSignature, or UseDevelopmentStorage=true (for a token credential pass the blob endpoint URL instead)");
        return new AzureBlobStore(o => new BlobServiceClient(connectionString, o), container, options, secrets, authentication);
    }

    /// <summary>
    /// A store from the blob service (or account SAS) URL. A URL with a SAS query authorizes with it; otherwise
    /// <paramref name="credential"/> does, by default <see cref="DefaultAzureCredential"/> (workload identity on AKS,
    /// managed identity, environment, Azure CLI).
    /// </summary>
    public static AzureBlobStore FromServiceUri(Uri serviceUri, string container, TokenCredential? credential = null, AzureBlobStoreOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(serviceUri);
        if (serviceUri.Query.Length > 1)
            return new AzureBlobStore(o => new BlobServiceClient(serviceUri, o), container, options, Secrets(null, serviceUri.Query), "sas");
        var token = credential ?? new DefaultAzureCredential();
        return new AzureBlobStore(o => new BlobServiceClient(serviceUri, token, o), container, options, [], "token");
    }

    /// <summary>
    /// A store from what an operator configured: an <c>http(s)://</c> blob endpoint URL (SAS in its query, or a token
    /// credential) or a connection string (see <see cref="FromConnectionString"/>).
    /// </summary>
    public static AzureBlobStore Open(string connection, string container, AzureBlobStoreOptions? options = null) =>
        !connection.Contains(';', StringComparison.Ordinal) && Uri.TryCreate(connection, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http"
            ? FromServiceUri(uri, container, options: options)
            : FromConnectionString(connection, container, options);

    /// <summary>How requests are authorized: <c>shared-key</c>, <c>sas</c> or <c>token</c>.</summary>
    public string Authentication { get; }

    /// <summary>Requests retried by the SDK so far (for diagnostics and tests).</summary>
    public long RetryCount => _attempts.Count - _calls.Count;

    /// <summary>The container.</summary>
    public string Container => _container.Name;

    /// <summary>Creates the container if it does not exist.</summary>
    public async Task EnsureContainerAsync(CancellationToken cancellationToken = default)
    {
        if (_containerReady) return;
        await _containerLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_containerReady) return;
            await _container.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            _containerReady = true;
        }
        catch (RequestFailedException e)
        {
            throw Failure("create container", _container.Name, e);
        }
        finally
        {
            _containerLock.Release();
        }
    }

    /// <inheritdoc />
    public async Task<BlobProperties> PutAsync(string name, Stream content, BlobPutOptions? options = null, CancellationToken cancellationToken = default)
    {
        BlobName.Validate(name);
        options ??= new BlobPutOptions();
        BlobMetadata.Validate(options.Metadata, name);
        var contentType = options.ContentType ?? BlobMetadata.DefaultContentType;
        if (_options.CreateContainerIfMissing) await EnsureContainerAsync(cancellationToken).ConfigureAwait(false);

        var metadata = options.Metadata?.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal) ?? [];
        var upload = new BlobUploadOptions
        {
            HttpHeaders = new BlobHttpHeaders { ContentType = contentType },
            Metadata = metadata,
            Conditions = Conditions(options.Condition),
            // Objects up to one block go in one Put Blob; larger ones are read a block at a time into pooled buffers and
            // staged with at most MaxConcurrentBlocks in flight, then committed with the conditions: memory stays bounded.
            TransferOptions = new StorageTransferOptions
            {
                InitialTransferSize = _options.BlockBytes,
                MaximumTransferSize = _options.BlockBytes,
                MaximumConcurrency = _options.MaxConcurrentBlocks,
            },
        };
        var counted = new CountingReadStream(content);
        try
        {
            var info = await _container.GetBlobClient(name).UploadAsync(counted, upload, cancellationToken).ConfigureAwait(false);
            return new BlobProperties(name, info.Value.ETag.ToString("H"), counted.BytesRead, contentType, info.Value.LastModified, metadata);
        }
        catch (RequestFailedException e) when (IsConditionFailure(e) || (e.Status == 404 && options.Condition?.IfMatch is not null && e.ErrorCode != "ContainerNotFound"))
        {
            throw new BlobConditionFailedException(name, options.Condition?.IfNoneMatchAny == true
                ? $"blob '{name}' already exists; If-None-Match: * forbids overwriting it (HTTP {e.Status} {e.ErrorCode}); nothing was written"
                : $"blob '{name}' does not have ETag {options.Condition?.IfMatch} any more (HTTP {e.Status} {e.ErrorCode}); nothing was written");
        }
        catch (RequestFailedException e)
        {
            throw Failure("put", name, e);
        }
    }

    /// <inheritdoc />
    public async Task<BlobDownload?> GetAsync(string name, CancellationToken cancellationToken = default)
    {
        BlobName.Validate(name);
        try
        {
            // The SDK's download stream retries a dropped connection from the offset it reached, pinned to the ETag of
            // the version it started reading (it fails instead of mixing two versions).
            var result = await _container.GetBlobClient(name).DownloadStreamingAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            var d = result.Value.Details;
            var properties = new BlobProperties(name, d.ETag.ToString("H"), d.ContentLength, d.ContentType ?? BlobMetadata.DefaultContentType,
                d.LastModified, Copy(d.Metadata));
            return new BlobDownload(properties, result.Value.Content);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
        catch (RequestFailedException e)
        {
            throw Failure("get", name, e);
        }
    }

    /// <inheritdoc />
    public async Task<BlobProperties?> GetPropertiesAsync(string name, CancellationToken cancellationToken = default)
    {
        BlobName.Validate(name);
        try
        {
            var p = (await _container.GetBlobClient(name).GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
            return new BlobProperties(name, p.ETag.ToString("H"), p.ContentLength, p.ContentType ?? BlobMetadata.DefaultContentType, p.LastModified, Copy(p.Metadata));
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
        catch (RequestFailedException e)
        {
            throw Failure("get properties", name, e);
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<BlobProperties> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var pages = _container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix.Length == 0 ? null : prefix, Traits = BlobTraits.Metadata }, cancellationToken)
            .AsPages(pageSizeHint: _options.ListPageSize)
            .GetAsyncEnumerator(cancellationToken);
        await using (pages.ConfigureAwait(false))
        {
            while (true)
            {
                Page<BlobItem> page;
                try
                {
                    if (!await pages.MoveNextAsync().ConfigureAwait(false)) break;
                    page = pages.Current;
                }
                catch (RequestFailedException e) when (e.Status == 404 && e.ErrorCode == "ContainerNotFound")
                {
                    break; // no container yet: nothing was ever written
                }
                catch (RequestFailedException e)
                {
                    throw Failure("list", prefix, e);
                }
                foreach (var item in page.Values)
                {
                    var p = item.Properties;
                    yield return new BlobProperties(item.Name, p.ETag?.ToString("H") ?? "", p.ContentLength ?? 0, p.ContentType ?? BlobMetadata.DefaultContentType,
                        p.LastModified ?? DateTimeOffset.MinValue, Copy(item.Metadata));
                }
            }
        }
    }

    /// <inheritdoc />
    public async Task<bool> DeleteAsync(string name, BlobCondition? condition = null, CancellationToken cancellationToken = default)
    {
        BlobName.Validate(name);
        try
        {
            var deleted = await _container.GetBlobClient(name).DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, Conditions(condition), cancellationToken).ConfigureAwait(false);
            return deleted.Value;
        }
        catch (RequestFailedException e) when (IsConditionFailure(e))
        {
            throw new BlobConditionFailedException(name, $"blob '{name}' does not have ETag {condition?.IfMatch} any more (HTTP {e.Status} {e.ErrorCode}); it was not deleted");
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return false;
        }
        catch (RequestFailedException e)
        {
            throw Failure("delete", name, e);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _containerLock.Dispose();

    private static BlobRequestConditions? Conditions(BlobCondition? condition) => condition is null
        ? null
        : new BlobRequestConditions
        {
            IfMatch = condition.IfMatch is { } etag ? new ETag(etag) : null,
            IfNoneMatch = condition.IfNoneMatchAny ? ETag.All : null,
        };

    private static bool IsConditionFailure(RequestFailedException e) =>
        e.Status == (int)HttpStatusCode.PreconditionFailed || (e.Status == (int)HttpStatusCode.Conflict && e.ErrorCode == "BlobAlreadyExists");

    private static Dictionary<string, string> Copy(IDictionary<string, string>? metadata) =>
        metadata is null ? [] : new Dictionary<string, string>(metadata, StringComparer.Ordinal);

    private AzureBlobException Failure(string operation, string name, RequestFailedException e)
    {
        var response = e.GetRawResponse();
        string? requestId = response is not null && response.Headers.TryGetValue("x-ms-request-id", out var id) ? id : null;
        // The first line of the SDK's message is the service's own explanation; the rest repeats headers and content.
        var serviceMessage = e.Message.Split('\n', 2)[0].Trim();
        return new AzureBlobException(operation, name, (HttpStatusCode)e.Status, e.ErrorCode, Mask(serviceMessage, _secrets), requestId);
    }

    private static string[] Secrets(string? accountKey, string? sas)
    {
        var secrets = new List<string>();
        if (!string.IsNullOrEmpty(accountKey)) secrets.Add(accountKey);
        if (!string.IsNullOrEmpty(sas))
        {
            secrets.Add(sas.TrimStart('?'));
            foreach (var part in sas.TrimStart('?').Split('&'))
                if (part.StartsWith("sig=", StringComparison.OrdinalIgnoreCase))
                {
                    secrets.Add(part[4..]);
                    secrets.Add(Uri.UnescapeDataString(part[4..]));
                }
        }
        return [.. secrets];
    }

    /// <summary>Replaces the store's secrets, any <c>sig=</c> value and any <c>AccountKey=</c> value with <c>***</c>.</summary>
    internal static string Mask(string text, IEnumerable<string> secrets)
    {
        foreach (var s in secrets.Where(s => s.Length >= 4)) text = text.Replace(s, "***", StringComparison.Ordinal);
        text = SignatureParameter().Replace(text, "${1}***");
        return AccountKeyParameter().Replace(text, "${1}***");
    }

    [GeneratedRegex("(sig=)[^&;\\s\"'<]+", RegexOptions.IgnoreCase)]
    private static partial Regex SignatureParameter();

    [GeneratedRegex("(AccountKey=)[^;\\s\"'<]+", RegexOptions.IgnoreCase)]
    private static partial Regex AccountKeyParameter();

    private static void ValidateContainerName(string container)
    {
        // Azure: 3–63 characters, lowercase letters, digits and single hyphens, starting and ending with a letter or digit.
        bool ok = container is { Length: >= 3 and <= 63 }
            && container.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
            && container[0] != '-' && container[^1] != '-' && !container.Contains("--", StringComparison.Ordinal);
        if (!ok) throw new ArgumentException($"container name '{container}' is invalid: 3–63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit", nameof(container));
    }

    /// <summary>Counts the requests that pass its position in the SDK pipeline (per call or per attempt).</summary>
    private sealed class RequestCounter : HttpPipelineSynchronousPolicy
    {
        private long _count;

        public long Count => Interlocked.Read(ref _count);

        public override void OnSendingRequest(HttpMessage message) => Interlocked.Increment(ref _count);
    }

    /// <summary>Counts the bytes the SDK reads from the caller's stream (the stream may not know its length).</summary>
    private sealed class CountingReadStream(Stream inner) : Stream
    {
        public long BytesRead { get; private set; }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override int Read(Span<byte> buffer) => Count(inner.Read(buffer));

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            Count(await inner.ReadAsync(buffer.AsMemory(offset, count), cancellationToken).ConfigureAwait(false));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

        private int Count(int n)
        {
            BytesRead += n;
            return n;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
