using System.Net;
using Amber.Storage.Blobs.Azure;

namespace Amber.Storage.Tests.Blobs;

/// <summary>Retry classification with a fault-injecting HTTP handler (the real-service behaviour is covered against Azurite).</summary>
public class AzureRetryTests
{
    private static readonly AzureStorageConnection Connection =
        AzureStorageConnection.WithSharedKey(new Uri("http://127.0.0.1:1/devstoreaccount1"), "devstoreaccount1", Convert.ToBase64String(new byte[64]));

    private static AzureBlobStore Store(HttpMessageHandler handler, int retries = 4) => new(Connection, "faults",
        new AzureBlobStoreOptions { MaxRetries = retries, RetryBaseDelay = TimeSpan.FromMilliseconds(1), RetryMaxDelay = TimeSpan.FromMilliseconds(5), CreateContainerIfMissing = false },
        new HttpClient(handler));

    [Fact]
    public async Task Transient_statuses_and_network_errors_are_retried_with_a_fresh_signature()
    {
        var handler = new FaultHandler(
            _ => new HttpResponseMessage(HttpStatusCode.ServiceUnavailable),
            _ => throw new HttpRequestException("connection refused"),
            _ => new HttpResponseMessage(HttpStatusCode.TooManyRequests),
            _ => new HttpResponseMessage(HttpStatusCode.InternalServerError),
            _ => new HttpResponseMessage(HttpStatusCode.Created) { Headers = { ETag = new("\"0x1\"") } });
        using var store = Store(handler);
        var put = await store.PutAsync("a/b", new MemoryStream([1, 2, 3]));
        Assert.Equal("\"0x1\"", put.ETag);
        Assert.Equal(4, store.RetryCount);
        Assert.Equal(5, handler.Requests.Count);
        Assert.All(handler.Requests, r => Assert.StartsWith("SharedKey devstoreaccount1:", r.Authorization));
        Assert.All(handler.Requests, r => Assert.Equal("2021-08-06", r.Version));
        Assert.All(handler.Requests, r => Assert.Equal(3, r.BodyLength));
    }

    [Fact]
    public async Task Exhausted_retries_surface_the_service_error_code()
    {
        var handler = new FaultHandler(_ => new HttpResponseMessage(HttpStatusCode.ServiceUnavailable) { Headers = { { "x-ms-error-code", "ServerBusy" } } });
        using var store = Store(handler, retries: 2);
        var e = await Assert.ThrowsAsync<AzureBlobException>(() => store.PutAsync("x", new MemoryStream([1])));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, e.StatusCode);
        Assert.Equal("ServerBusy", e.ErrorCode);
        Assert.Equal(3, handler.Requests.Count);
    }

    [Fact]
    public async Task Client_errors_are_not_retried_and_keep_the_xml_error()
    {
        var handler = new FaultHandler(_ => new HttpResponseMessage(HttpStatusCode.BadRequest)
        {
            Content = new StringContent("<?xml version=\"1.0\"?><Error><Code>InvalidBlockList</Code><Message>The specified block list is invalid.</Message></Error>"),
        });
        using var store = Store(handler);
        var e = await Assert.ThrowsAsync<AzureBlobException>(() => store.PutAsync("x", new MemoryStream([1])));
        Assert.Equal("InvalidBlockList", e.ErrorCode);
        Assert.Contains("The specified block list is invalid.", e.Message);
        Assert.Single(handler.Requests);
    }

    [Fact]
    public async Task A_sas_connection_sends_the_token_and_no_authorization_header()
    {
        var handler = new FaultHandler(_ => new HttpResponseMessage(HttpStatusCode.NotFound));
        var sas = AzureStorageConnection.WithSas(new Uri("http://127.0.0.1:1/devstoreaccount1"), "devstoreaccount1", "?sv=2021-08-06&sig=abc");
        using var store = new AzureBlobStore(sas, "faults", new AzureBlobStoreOptions { CreateContainerIfMissing = false }, new HttpClient(handler));
        Assert.Null(await store.GetPropertiesAsync("missing"));
        var r = Assert.Single(handler.Requests);
        Assert.Null(r.Authorization);
        Assert.EndsWith("/faults/missing?sv=2021-08-06&sig=abc", r.Uri);
    }

    [Fact]
    public async Task A_failed_block_stops_the_upload_and_nothing_is_committed()
    {
        int blocks = 0;
        var handler = new LambdaHandler(request =>
        {
            var query = request.RequestUri!.Query;
            if (query.Contains("comp=blocklist", StringComparison.Ordinal)) return new HttpResponseMessage(HttpStatusCode.Created);
            return Interlocked.Increment(ref blocks) == 3
                ? new HttpResponseMessage(HttpStatusCode.BadRequest) { Headers = { { "x-ms-error-code", "InvalidBlobOrBlock" } } }
                : new HttpResponseMessage(HttpStatusCode.Created);
        });
        using var store = new AzureBlobStore(Connection, "faults",
            new AzureBlobStoreOptions { BlockBytes = 4096, MaxConcurrentBlocks = 2, CreateContainerIfMissing = false }, new HttpClient(handler));
        var e = await Assert.ThrowsAsync<AzureBlobException>(() => store.PutAsync("big", new PatternStream(64 * 4096, seed: 1)));
        Assert.Equal("InvalidBlobOrBlock", e.ErrorCode);
        Assert.DoesNotContain(handler.Queries, q => q.Contains("comp=blocklist", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_failing_source_stops_the_block_uploads_and_is_reported()
    {
        var handler = new LambdaHandler(_ => new HttpResponseMessage(HttpStatusCode.Created));
        using var store = new AzureBlobStore(Connection, "faults",
            new AzureBlobStoreOptions { BlockBytes = 4096, CreateContainerIfMissing = false }, new HttpClient(handler));
        var e = await Assert.ThrowsAsync<IOException>(() => store.PutAsync("big", new BrokenAfter(new PatternStream(64 * 4096, seed: 2), 5 * 4096)));
        Assert.Equal("source broke", e.Message);
        Assert.DoesNotContain(handler.Queries, q => q.Contains("comp=blocklist", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_dropped_download_resumes_from_where_it_stopped()
    {
        var data = Enumerable.Range(0, 5000).Select(i => (byte)(i * 7)).ToArray();
        var ranges = new List<(string? Range, string? IfMatch)>();
        var handler = new LambdaHandler(request =>
        {
            string? Header(string h) => request.Headers.TryGetValues(h, out var v) ? v.Single() : null;
            ranges.Add((Header("Range"), Header("If-Match")));
            if (ranges.Count == 1) return Content(HttpStatusCode.OK, new BreakingStream(data, 1000), data.Length);
            int from = int.Parse(Header("Range")!["bytes=".Length..^1], System.Globalization.CultureInfo.InvariantCulture);
            return Content(HttpStatusCode.PartialContent, new MemoryStream(data[from..]), data.Length - from);
        });
        using var store = Store(handler);
        await using var download = await store.GetAsync("blob");
        var copy = new MemoryStream();
        await download!.Content.CopyToAsync(copy);
        Assert.Equal(data, copy.ToArray());
        Assert.Equal([(null, null), ("bytes=1000-", "\"0x1\"")], ranges);
    }

    [Fact]
    public async Task A_download_whose_blob_changed_meanwhile_fails_instead_of_mixing_versions()
    {
        var data = new byte[5000];
        int calls = 0;
        var handler = new LambdaHandler(_ => ++calls == 1
            ? Content(HttpStatusCode.OK, new BreakingStream(data, 1000), data.Length)
            : new HttpResponseMessage(HttpStatusCode.PreconditionFailed));
        using var store = Store(handler);
        await using var download = await store.GetAsync("blob");
        var e = await Assert.ThrowsAsync<IOException>(() => download!.Content.CopyToAsync(Stream.Null));
        Assert.Contains("changed while it was being read", e.Message);
    }

    private static HttpResponseMessage Content(HttpStatusCode status, Stream body, long length)
    {
        var response = new HttpResponseMessage(status) { Content = new StreamContent(body) };
        response.Content.Headers.ContentLength = length;
        response.Headers.ETag = new("\"0x1\"");
        return response;
    }

    /// <summary>Serves <c>data</c> and fails like a dropped connection after <c>failAt</c> bytes.</summary>
    private sealed class BreakingStream(byte[] data, int failAt) : Stream
    {
        private int _position;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => data.Length;
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_position >= failAt) throw new IOException("connection reset by peer");
            int n = Math.Min(count, failAt - _position);
            Array.Copy(data, _position, buffer, offset, n);
            _position += n;
            return n;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private sealed class LambdaHandler(Func<HttpRequestMessage, HttpResponseMessage> respond) : HttpMessageHandler
    {
        public System.Collections.Concurrent.ConcurrentQueue<string> Queries { get; } = new();

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Queries.Enqueue(request.RequestUri!.Query);
            return Task.FromResult(respond(request));
        }
    }

    private sealed class BrokenAfter(Stream inner, long limit) : Stream
    {
        private long _read;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => inner.Length;
        public override long Position { get => _read; set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_read >= limit) throw new IOException("source broke");
            int n = await inner.ReadAsync(buffer, cancellationToken);
            _read += n;
            return n;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private sealed record Seen(string Uri, string? Authorization, string? Version, long BodyLength);

    private sealed class FaultHandler(params Func<HttpRequestMessage, HttpResponseMessage>[] script) : HttpMessageHandler
    {
        public List<Seen> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            long length = request.Content is null ? 0 : (await request.Content.ReadAsByteArrayAsync(cancellationToken)).Length;
            Requests.Add(new Seen(request.RequestUri!.AbsoluteUri, request.Headers.Authorization?.ToString(),
                request.Headers.TryGetValues("x-ms-version", out var v) ? v.Single() : null, length));
            var step = script[Math.Min(Requests.Count - 1, script.Length - 1)];
            return step(request);
        }
    }
}
