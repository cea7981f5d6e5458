using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;
using Polly.Retry;

namespace Amber.Storage.Blobs.Azure;

/// <summary>
/// <see cref="IBlobStore"/> on one container of Azure Blob Storage (or Azurite), spoken over the REST API with
/// <see cref="HttpClient"/>: Shared Key or SAS authentication, Put Blob for small objects and Put Block + Put Block List
/// for large ones (a few blocks in flight), conditional headers, paged listing, and Polly retries with exponential
/// backoff and jitter for 408/429/5xx and network errors.
/// </summary>
public sealed class AzureBlobStore : IBlobStore, IDisposable
{
    private static readonly HashSet<HttpStatusCode> TransientStatus =
    [
        HttpStatusCode.RequestTimeout, HttpStatusCode.TooManyRequests, HttpStatusCode.InternalServerError,
        HttpStatusCode.BadGateway, HttpStatusCode.ServiceUnavailable, HttpStatusCode.GatewayTimeout,
    ];

    private readonly AzureStorageConnection _connection;
    private readonly string _container;
    private readonly AzureBlobStoreOptions _options;
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;
    private readonly SemaphoreSlim _containerLock = new(1, 1);
    private readonly ILogger _logger;
    private bool _containerReady;
    private long _retries;

    /// <summary>
    /// Creates a store on <paramref name="container"/>; the <paramref name="httpClient"/>, if given, stays the caller's.
    /// Retries are logged at Warning on <paramref name="logger"/> (status or exception type only: never URLs or keys).
    /// </summary>
    public AzureBlobStore(AzureStorageConnection connection, string container, AzureBlobStoreOptions? options = null, HttpClient? httpClient = null, ILogger? logger = null)
    {
        _logger = logger ?? NullLogger.Instance;
        ValidateContainerName(container);
        _connection = connection;
        _container = container;
        _options = options ?? new AzureBlobStoreOptions();
        if (_options.BlockBytes is < 1024 or > 100 << 20) throw new ArgumentOutOfRangeException(nameof(options), _options.BlockBytes, "BlockBytes must be between 1 KiB and 100 MiB");
        if (_options.MaxConcurrentBlocks < 1) throw new ArgumentOutOfRangeException(nameof(options), _options.MaxConcurrentBlocks, "MaxConcurrentBlocks must be at least 1");
        if (_options.MaxRetries < 1) throw new ArgumentOutOfRangeException(nameof(options), _options.MaxRetries, "MaxRetries must be at least 1");
        _ownsHttp = httpClient is null;
        _http = httpClient ?? new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = _options.AttemptTimeout };
        _pipeline = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = _options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = _options.RetryBaseDelay,
                MaxDelay = _options.RetryMaxDelay,
                ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome, args.Context.CancellationToken)),
                OnRetry = args =>
                {
                    Interlocked.Increment(ref _retries);
                    _logger.LogWarning("Azure Blob request to container {Container} failed ({Failure}); retry {Attempt} of {Max} in {Delay} ms",
                        _container, args.Outcome.Result is { } r ? $"HTTP {(int)r.StatusCode}" : args.Outcome.Exception?.GetType().Name,
                        args.AttemptNumber + 1, _options.MaxRetries, (int)args.RetryDelay.TotalMilliseconds);
                    args.Outcome.Result?.Dispose();
                    return default;
                },
            })
            .Build();
    }

    /// <summary>Parses <paramref name="connectionString"/> (see <see cref="AzureStorageConnection.Parse"/>) and creates a store.</summary>
    public static AzureBlobStore FromConnectionString(string connectionString, string container, AzureBlobStoreOptions? options = null) =>
        new(AzureStorageConnection.Parse(connectionString), container, options);

    /// <summary>Requests retried so far (for diagnostics and tests).</summary>
    public long RetryCount => Interlocked.Read(ref _retries);

    /// <summary>The container.</summary>
    public string Container => _container;

    /// <summary>Creates the container if it does not exist.</summary>
    public async Task EnsureContainerAsync(CancellationToken cancellationToken = default)
    {
        if (_containerReady) return;
        await _containerLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_containerReady) return;
            using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Put, ContainerUri("restype=container")), HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.Created && ErrorCode(response) != "ContainerAlreadyExists")
                throw await FailureAsync("create container", _container, response).ConfigureAwait(false);
            _containerReady = true;
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

        var first = ArrayPool<byte>.Shared.Rent(_options.BlockBytes);
        int filled;
        try
        {
            filled = await FillAsync(content, first, _options.BlockBytes, cancellationToken).ConfigureAwait(false);
            if (filled < _options.BlockBytes)
                return await PutSingleAsync(name, first, filled, contentType, options, cancellationToken).ConfigureAwait(false);

            // Large object: fail early on a create-only write whose target exists, then stage blocks and commit.
            // The commit carries the condition too, so a writer that races in between still loses.
            if (options.Condition?.IfNoneMatchAny == true && await GetPropertiesAsync(name, cancellationToken).ConfigureAwait(false) is { } existing)
                throw new BlobConditionFailedException(name, $"blob '{name}' already exists (ETag {existing.ETag}); If-None-Match: * forbids overwriting it");
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(first);
            throw;
        }
        return await PutBlocksAsync(name, content, first, filled, contentType, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stages blocks with up to <see cref="AzureBlobStoreOptions.MaxConcurrentBlocks"/> uploads in flight (memory: that
    /// many blocks plus the one being read), then commits them in order. <paramref name="first"/> is owned from here on.
    /// </summary>
    private async Task<BlobProperties> PutBlocksAsync(string name, Stream content, byte[] first, int firstLength, string contentType, BlobPutOptions options, CancellationToken cancellationToken)
    {
        // Ids are unique per upload so concurrent uploads of the same name cannot mix their uncommitted blocks.
        var uploadId = Guid.NewGuid().ToString("N");
        var blockIds = new List<string>();
        var uploads = new List<Task>();
        using var slots = new SemaphoreSlim(_options.MaxConcurrentBlocks);
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        long total = 0;
        byte[]? buffer = first;
        int length = firstLength;
        Exception? readFailure = null;
        try
        {
            while (length > 0)
            {
                var id = Convert.ToBase64String(Encoding.ASCII.GetBytes($"{uploadId}-{blockIds.Count:D6}"));
                blockIds.Add(id);
                total += length;
                await slots.WaitAsync(failed.Token).ConfigureAwait(false);
                var block = buffer!;
                int blockLength = length;
                buffer = null;
                uploads.Add(Task.Run(async () =>
                {
                    try
                    {
                        await PutBlockAsync(name, id, block, blockLength, failed.Token).ConfigureAwait(false);
                    }
                    catch
                    {
                        // One failed block dooms the upload: stop the others instead of letting them finish.
                        await failed.CancelAsync().ConfigureAwait(false);
                        throw;
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(block);
                        slots.Release();
                    }
                }, CancellationToken.None));
                buffer = ArrayPool<byte>.Shared.Rent(_options.BlockBytes);
                length = await FillAsync(content, buffer, _options.BlockBytes, failed.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (failed.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // A block upload failed and cancelled the loop; its exception is the one to report (below).
        }
        catch (Exception e)
        {
            // Reading the source failed (or the caller cancelled): stop the uploads, wait for them, report this.
            readFailure = e;
            await failed.CancelAsync().ConfigureAwait(false);
        }
        finally
        {
            if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
        }
        // Every upload task is awaited before leaving, whatever happened: they use this method's semaphore and token.
        var all = Task.WhenAll(uploads);
        try
        {
            await all.ConfigureAwait(false);
        }
        catch (Exception) when (readFailure is not null)
        {
            // Reported below.
        }
        catch (Exception) when (all.Exception is { } aggregate)
        {
            // Report the block failure that started it, not the cancellations it caused in the other blocks.
            var root = aggregate.InnerExceptions.FirstOrDefault(e => e is not OperationCanceledException) ?? aggregate.InnerExceptions[0];
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(root).Throw();
        }
        if (readFailure is not null) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(readFailure).Throw();
        cancellationToken.ThrowIfCancellationRequested();
        return await CommitBlocksAsync(name, blockIds, total, contentType, options, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<BlobDownload?> GetAsync(string name, CancellationToken cancellationToken = default)
    {
        BlobName.Validate(name);
        var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, BlobUri(name)), HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        try
        {
            if (response.StatusCode == HttpStatusCode.NotFound) return null;
            if (response.StatusCode != HttpStatusCode.OK) throw await FailureAsync("get", name, response).ConfigureAwait(false);
            var properties = PropertiesFromHeaders(name, response);
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var body = new ResumingDownloadStream(response, stream, properties.Length, _options.MaxRetries,
                (offset, ct) => ResumeAsync(name, properties.ETag, offset, ct));
            response = null;
            return new BlobDownload(properties, body);
        }
        finally
        {
            response?.Dispose();
        }
    }

    /// <summary>The rest of a download from <paramref name="offset"/>, only if the blob still has <paramref name="etag"/>.</summary>
    private async Task<(HttpResponseMessage Response, Stream Body)> ResumeAsync(string name, string etag, long offset, CancellationToken ct)
    {
        var response = await SendAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, BlobUri(name));
            request.Headers.TryAddWithoutValidation("Range", FormattableString.Invariant($"bytes={offset}-"));
            request.Headers.TryAddWithoutValidation("If-Match", etag);
            return request;
        }, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        try
        {
            if (response.StatusCode == HttpStatusCode.PartialContent)
            {
                var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
                var result = (response, body);
                response = null;
                return result;
            }
            if (response.StatusCode == HttpStatusCode.PreconditionFailed)
                throw new IOException($"blob '{name}' changed while it was being read (ETag {etag} no longer matches after {offset} bytes); read it again");
            throw await FailureAsync("get (resume)", name, response).ConfigureAwait(false);
        }
        finally
        {
            response?.Dispose();
        }
    }

    /// <inheritdoc />
    public async Task<BlobProperties?> GetPropertiesAsync(string name, CancellationToken cancellationToken = default)
    {
        BlobName.Validate(name);
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Head, BlobUri(name)), HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        if (response.StatusCode != HttpStatusCode.OK) throw await FailureAsync("get properties", name, response).ConfigureAwait(false);
        return PropertiesFromHeaders(name, response);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<BlobProperties> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        prefix ??= "";
        string? marker = null;
        do
        {
            var query = $"restype=container&comp=list&include=metadata&maxresults={_options.ListPageSize}";
            if (prefix.Length > 0) query += "&prefix=" + Uri.EscapeDataString(prefix);
            if (marker is not null) query += "&marker=" + Uri.EscapeDataString(marker);
            XDocument page;
            using (var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, ContainerUri(query)), HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false))
            {
                if (response.StatusCode == HttpStatusCode.NotFound && ErrorCode(response) == "ContainerNotFound") yield break;
                if (response.StatusCode != HttpStatusCode.OK) throw await FailureAsync("list", prefix, response).ConfigureAwait(false);
                await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                page = await XDocument.LoadAsync(body, LoadOptions.None, cancellationToken).ConfigureAwait(false);
            }
            var root = page.Root ?? throw new InvalidDataException($"Azure List Blobs for prefix '{prefix}': empty response");
            foreach (var blob in root.Element("Blobs")?.Elements("Blob") ?? [])
            {
                var props = blob.Element("Properties");
                var metadata = blob.Element("Metadata")?.Elements().ToDictionary(e => e.Name.LocalName, e => e.Value, StringComparer.Ordinal) ?? [];
                yield return new BlobProperties(
                    blob.Element("Name")?.Value ?? throw new InvalidDataException("Azure List Blobs: a <Blob> without <Name>"),
                    props?.Element("Etag")?.Value is { } etag ? Quote(etag) : "",
                    long.Parse(props?.Element("Content-Length")?.Value ?? "0", CultureInfo.InvariantCulture),
                    props?.Element("Content-Type")?.Value is { Length: > 0 } ct ? ct : BlobMetadata.DefaultContentType,
                    DateTimeOffset.Parse(props?.Element("Last-Modified")?.Value ?? "Thu, 01 Jan 1970 00:00:00 GMT", CultureInfo.InvariantCulture),
                    metadata);
            }
            marker = root.Element("NextMarker")?.Value is { Length: > 0 } next ? next : null;
        }
        while (marker is not null);
    }

    /// <inheritdoc />
    public async Task<bool> DeleteAsync(string name, BlobCondition? condition = null, CancellationToken cancellationToken = default)
    {
        BlobName.Validate(name);
        using var response = await SendAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Delete, BlobUri(name));
            if (condition?.IfMatch is { } etag) request.Headers.TryAddWithoutValidation("If-Match", etag);
            return request;
        }, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Accepted) return true;
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            if (condition?.IfMatch is not null) throw new BlobConditionFailedException(name, $"blob '{name}' does not exist, so If-Match {condition.IfMatch} cannot hold");
            return false;
        }
        if (response.StatusCode == HttpStatusCode.PreconditionFailed)
            throw new BlobConditionFailedException(name, $"blob '{name}' changed: If-Match {condition?.IfMatch} failed (HTTP 412 {ErrorCode(response)}; nothing deleted)");
        throw await FailureAsync("delete", name, response).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsHttp) _http.Dispose();
        _containerLock.Dispose();
    }

    private async Task<BlobProperties> PutSingleAsync(string name, byte[] buffer, int length, string contentType, BlobPutOptions options, CancellationToken ct)
    {
        using var response = await SendAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Put, BlobUri(name)) { Content = new ByteArrayContent(buffer, 0, length) };
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
            request.Headers.TryAddWithoutValidation("x-ms-blob-type", "BlockBlob");
            AddWriteHeaders(request, contentType, options);
            return request;
        }, HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
        return await WriteResultAsync("put", name, response, length, contentType, options).ConfigureAwait(false);
    }

    private async Task PutBlockAsync(string name, string blockId, byte[] buffer, int length, CancellationToken ct)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Put, BlobUri(name, "comp=block&blockid=" + Uri.EscapeDataString(blockId)))
        {
            Content = new ByteArrayContent(buffer, 0, length),
        }, HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Created) throw await FailureAsync("put block", name, response).ConfigureAwait(false);
    }

    private async Task<BlobProperties> CommitBlocksAsync(string name, List<string> blockIds, long total, string contentType, BlobPutOptions options, CancellationToken ct)
    {
        var xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>");
        foreach (var id in blockIds) xml.Append("<Latest>").Append(id).Append("</Latest>");
        var body = Encoding.UTF8.GetBytes(xml.Append("</BlockList>").ToString());
        using var response = await SendAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Put, BlobUri(name, "comp=blocklist")) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/xml");
            AddWriteHeaders(request, contentType, options);
            return request;
        }, HttpCompletionOption.ResponseContentRead, ct).ConfigureAwait(false);
        return await WriteResultAsync("put block list", name, response, total, contentType, options).ConfigureAwait(false);
    }

    private static void AddWriteHeaders(HttpRequestMessage request, string contentType, BlobPutOptions options)
    {
        request.Headers.TryAddWithoutValidation("x-ms-blob-content-type", contentType);
        foreach (var (key, value) in options.Metadata ?? new Dictionary<string, string>())
            request.Headers.TryAddWithoutValidation("x-ms-meta-" + key, value);
        if (options.Condition?.IfMatch is { } etag) request.Headers.TryAddWithoutValidation("If-Match", etag);
        if (options.Condition?.IfNoneMatchAny == true) request.Headers.TryAddWithoutValidation("If-None-Match", "*");
    }

    private async Task<BlobProperties> WriteResultAsync(string operation, string name, HttpResponseMessage response, long length, string contentType, BlobPutOptions options)
    {
        if (response.StatusCode == HttpStatusCode.Created)
        {
            return new BlobProperties(name, Quote(response.Headers.ETag?.Tag ?? ""), length, contentType,
                response.Content.Headers.LastModified ?? DateTimeOffset.UtcNow,
                options.Metadata?.ToDictionary(StringComparer.Ordinal) ?? []);
        }
        var code = ErrorCode(response);
        if (response.StatusCode == HttpStatusCode.PreconditionFailed || (response.StatusCode == HttpStatusCode.Conflict && code == "BlobAlreadyExists"))
        {
            throw new BlobConditionFailedException(name, options.Condition?.IfNoneMatchAny == true
                ? $"blob '{name}' already exists; If-None-Match: * forbids overwriting it (HTTP {(int)response.StatusCode} {code})"
                : $"blob '{name}' does not have ETag {options.Condition?.IfMatch} any more (HTTP {(int)response.StatusCode} {code}); nothing was written");
        }
        throw await FailureAsync(operation, name, response).ConfigureAwait(false);
    }

    private Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> build, HttpCompletionOption completion, CancellationToken cancellationToken) =>
        _pipeline.ExecuteAsync(async token =>
        {
            // A request message cannot be sent twice, and x-ms-date and the signature must be fresh: rebuild per attempt.
            using var request = build();
            Authorize(request);
            return await _http.SendAsync(request, completion, token).ConfigureAwait(false);
        }, cancellationToken).AsTask();

    private void Authorize(HttpRequestMessage request)
    {
        if (_connection.SharedAccessSignature is { } sas)
        {
            var uri = request.RequestUri!.AbsoluteUri;
            request.RequestUri = new Uri(uri + (uri.Contains('?', StringComparison.Ordinal) ? "&" : "?") + sas);
        }
        request.Headers.TryAddWithoutValidation("x-ms-date", DateTimeOffset.UtcNow.ToString("R", CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation("x-ms-version", _options.ApiVersion);
        if (_connection.AccountKey is { } key) SharedKeySigner.Sign(request, _connection.AccountName, key);
    }

    private static bool IsTransient(Outcome<HttpResponseMessage> outcome, CancellationToken token) => outcome switch
    {
        { Exception: HttpRequestException } => true,
        { Exception: IOException } => true,
        // A timeout surfaces as a cancellation the caller did not ask for.
        { Exception: OperationCanceledException } => !token.IsCancellationRequested,
        { Result: { } r } => TransientStatus.Contains(r.StatusCode),
        _ => false,
    };

    private Uri ContainerUri(string query) => new($"{_connection.BlobEndpoint.AbsoluteUri}/{_container}?{query}");

    private Uri BlobUri(string name, string? query = null)
    {
        var path = string.Join('/', name.Split('/').Select(Uri.EscapeDataString));
        return new Uri($"{_connection.BlobEndpoint.AbsoluteUri}/{_container}/{path}" + (query is null ? "" : "?" + query));
    }

    private static BlobProperties PropertiesFromHeaders(string name, HttpResponseMessage response)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, values) in response.Headers)
            if (key.StartsWith("x-ms-meta-", StringComparison.OrdinalIgnoreCase)) metadata[key["x-ms-meta-".Length..]] = string.Join(",", values);
        var content = response.Content.Headers;
        return new BlobProperties(name, Quote(response.Headers.ETag?.Tag ?? ""), content.ContentLength ?? 0,
            content.ContentType?.ToString() ?? BlobMetadata.DefaultContentType, content.LastModified ?? DateTimeOffset.MinValue, metadata);
    }

    private static string Quote(string etag) => etag.StartsWith('"') ? etag : "\"" + etag + "\"";

    private static string? ErrorCode(HttpResponseMessage response) =>
        response.Headers.TryGetValues("x-ms-error-code", out var v) ? v.FirstOrDefault() : null;

    private static async Task<AzureBlobException> FailureAsync(string operation, string name, HttpResponseMessage response)
    {
        string? code = ErrorCode(response), message = null;
        try
        {
            var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            if (body.Length > 0 && body.TrimStart().StartsWith('<'))
            {
                var error = XDocument.Parse(body).Root;
                code ??= error?.Element("Code")?.Value;
                message = error?.Element("Message")?.Value;
            }
        }
        catch (System.Xml.XmlException)
        {
            // The body is not the service's XML error; the status and header code still say what happened.
        }
        var requestId = response.Headers.TryGetValues("x-ms-request-id", out var ids) ? ids.FirstOrDefault() : null;
        return new AzureBlobException(operation, name, response.StatusCode, code, message, requestId);
    }

    private static async Task<int> FillAsync(Stream stream, byte[] buffer, int count, CancellationToken ct)
    {
        int filled = 0;
        while (filled < count)
        {
            int n = await stream.ReadAsync(buffer.AsMemory(filled, count - filled), ct).ConfigureAwait(false);
            if (n == 0) break;
            filled += n;
        }
        return filled;
    }

    private static void ValidateContainerName(string container)
    {
        // Azure: 3–63 characters, lowercase letters, digits and single hyphens, starting and ending with a letter or digit.
        bool ok = container is { Length: >= 3 and <= 63 }
            && container.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
            && container[0] != '-' && container[^1] != '-' && !container.Contains("--", StringComparison.Ordinal);
        if (!ok) throw new ArgumentException($"container name '{container}' is invalid: 3–63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit", nameof(container));
    }
}
