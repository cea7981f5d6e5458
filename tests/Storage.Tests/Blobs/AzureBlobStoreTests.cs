using System.Net;
using System.Text;
using Amber.Storage.Blobs;
using Amber.Storage.Blobs.Azure;
using Amber.Storage.Tests.Support;
using global::Azure.Core.Pipeline;
using global::Azure.Storage;
using global::Azure.Storage.Sas;

namespace Amber.Storage.Tests.Blobs;

/// <summary>The contract suite against a real Azurite (AMBER_TEST_AZURITE from test.sh), plus Azure-only behaviour.</summary>
public sealed class AzureBlobStoreTests : BlobStoreContractTests, IDisposable
{
    private readonly List<AzureBlobStore> _stores = [];

    private static string ConnectionString => TestEnvironment.Require("AMBER_TEST_AZURITE");

    private static string NewContainer() => "t" + Guid.NewGuid().ToString("N")[..20];

    protected override IBlobStore CreateStore()
    {
        // Small pages make the 10,000-blob listing cross several continuation markers; 1 MiB blocks make 100 MB take 100 blocks.
        var store = AzureBlobStore.FromConnectionString(ConnectionString, NewContainer(), new AzureBlobStoreOptions { ListPageSize = 1000, BlockBytes = 1 << 20 });
        _stores.Add(store);
        return store;
    }

    public void Dispose()
    {
        foreach (var s in _stores) s.Dispose();
    }

    private static (Uri Endpoint, string Account, string Key) DevelopmentAccount()
    {
        var parts = ConnectionString.Split(';', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        return (new Uri(parts["BlobEndpoint"]), parts["AccountName"], parts["AccountKey"]);
    }

    private static string AccountSas(string account, string key) =>
        new AccountSasBuilder(AccountSasPermissions.All, DateTimeOffset.UtcNow.AddHours(1), AccountSasServices.Blobs, AccountSasResourceTypes.All)
            .ToSasQueryParameters(new StorageSharedKeyCredential(account, key)).ToString();

    [Fact]
    public async Task A_sas_token_authorizes_without_the_account_key()
    {
        var (endpoint, account, key) = DevelopmentAccount();
        var sas = AccountSas(account, key);
        using var store = AzureBlobStore.FromConnectionString($"BlobEndpoint={endpoint};SharedAccessSignature={sas}", NewContainer());
        Assert.Equal("sas", store.Authentication);
        var put = await store.PutAsync("sas/one.txt", new MemoryStream(Encoding.UTF8.GetBytes("via sas")), new BlobPutOptions("text/plain"));
        Assert.Equal("text/plain", (await store.GetPropertiesAsync("sas/one.txt"))!.ContentType);
        Assert.Equal(put.ETag, Assert.Single(await store.ListAsync("sas/").ToListAsync()).ETag);

        // The same token as a SAS URL (the form an operator pastes from the portal).
        using var byUrl = AzureBlobStore.Open($"{endpoint}?{sas}", store.Container);
        Assert.Equal("sas", byUrl.Authentication);
        Assert.Equal("via sas", Encoding.UTF8.GetString((await byUrl.GetBytesAsync("sas/one.txt"))!.Value.Bytes));

        // A token signed with another key is refused, with the service's error code and no secret in the message.
        var forged = AccountSas(account, Convert.ToBase64String(new byte[64]));
        using var bad = AzureBlobStore.FromConnectionString($"BlobEndpoint={endpoint};SharedAccessSignature={forged}", NewContainer());
        var e = await Assert.ThrowsAsync<AzureBlobException>(() => bad.PutAsync("x", new MemoryStream([1])));
        Assert.Equal(HttpStatusCode.Forbidden, e.StatusCode);
        Assert.Equal("AuthorizationFailure", e.ErrorCode);
        AssertNoSecret(e, Uri.UnescapeDataString(forged.Split("sig=")[1].Split('&')[0]));
        AssertNoSecret(e, forged.Split("sig=")[1].Split('&')[0]);
    }

    [Fact]
    public async Task A_wrong_key_fails_with_the_service_error_code_and_no_secret()
    {
        var (endpoint, account, _) = DevelopmentAccount();
        var wrongKey = Convert.ToBase64String(Enumerable.Range(0, 64).Select(i => (byte)i).ToArray());
        using var store = AzureBlobStore.FromConnectionString($"DefaultEndpointsProtocol=http;AccountName={account};AccountKey={wrongKey};BlobEndpoint={endpoint};", NewContainer());
        Assert.Equal("shared-key", store.Authentication);
        var e = await Assert.ThrowsAsync<AzureBlobException>(() => store.PutAsync("x", new MemoryStream([1])));
        Assert.Equal(HttpStatusCode.Forbidden, e.StatusCode);
        Assert.Equal("AuthorizationFailure", e.ErrorCode);
        AssertNoSecret(e, wrongKey);
    }

    [Fact]
    public async Task An_error_that_echoes_the_signature_is_masked_before_it_reaches_the_caller()
    {
        // A service answer that quotes the request's SAS signature and an account key (as real error details can):
        // the store's exception must carry neither, nor an inner exception that does.
        const string signature = "c2VjcmV0LXNpZ25hdHVyZS12YWx1ZQ%3D%3D";
        var echo = new EchoingHandler(signature);
        using var store = AzureBlobStore.Open($"https://amberacct.blob.core.windows.net/?sv=2025-01-05&ss=b&srt=sco&sp=rwdlac&se=2030-01-01T00%3A00%3A00Z&sig={signature}", "faults",
            new AzureBlobStoreOptions { CreateContainerIfMissing = false, MaxRetries = 2, RetryBaseDelay = TimeSpan.FromMilliseconds(1), Transport = new HttpClientTransport(new HttpClient(echo)) });
        var e = await Assert.ThrowsAsync<AzureBlobException>(() => store.PutAsync("x", new MemoryStream([1])));
        Assert.Equal(HttpStatusCode.Forbidden, e.StatusCode);
        Assert.Equal("AuthenticationFailed", e.ErrorCode);
        Assert.Contains("Signature did not match", e.Message);
        AssertNoSecret(e, signature);
        AssertNoSecret(e, Uri.UnescapeDataString(signature));
        AssertNoSecret(e, EchoingHandler.Key);
        Assert.Null(e.InnerException);
        Assert.Equal(1, echo.Requests); // a 403 is not retried

        // Transient answers are retried by the SDK with the configured policy, then reported.
        echo.Status = HttpStatusCode.ServiceUnavailable;
        var busy = await Assert.ThrowsAsync<AzureBlobException>(() => store.PutAsync("y", new MemoryStream([1])));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, busy.StatusCode);
        Assert.Equal(1 + 3, echo.Requests);
        Assert.Equal(2, store.RetryCount);
    }

    [Fact]
    public void Connection_strings_and_urls_choose_the_authentication_and_never_echo_secrets()
    {
        using var dev = AzureBlobStore.FromConnectionString("UseDevelopmentStorage=true", "c-dev");
        Assert.Equal("shared-key", dev.Authentication);
        using var token = AzureBlobStore.Open("https://amberacct.blob.core.windows.net", "c-token");
        Assert.Equal("token", token.Authentication);
        var e = Assert.Throws<FormatException>(() => AzureBlobStore.FromConnectionString("AccountName=a;Password=hunter2-secret", "c-bad"));
        Assert.Contains("AccountName", e.Message);
        Assert.DoesNotContain("hunter2-secret", e.Message);
        var bad = Assert.Throws<FormatException>(() => AzureBlobStore.FromConnectionString("AccountName=a;AccountKey=not*base64*secret;EndpointSuffix=core.windows.net", "c-bad"));
        Assert.DoesNotContain("not*base64*secret", bad.ToString());
        Assert.Throws<ArgumentException>(() => AzureBlobStore.FromConnectionString("UseDevelopmentStorage=true", "Bad_Container"));
    }

    [Fact]
    public async Task An_upload_survives_an_azurite_restart_in_the_middle()
    {
        using var azurite = new AzuriteProcess();
        using var store = AzureBlobStore.FromConnectionString(azurite.ConnectionString, "restart",
            new AzureBlobStoreOptions { BlockBytes = 256 << 10, MaxRetries = 10, RetryBaseDelay = TimeSpan.FromMilliseconds(100), RetryMaxDelay = TimeSpan.FromSeconds(2) });
        await store.EnsureContainerAsync();
        const long size = 16L << 20;
        // The source stops the emulator after a quarter of the bytes were read and starts it again shortly after, while
        // the SDK is sending blocks: those requests fail, are retried with backoff, and the upload completes.
        var source = new RestartingStream(new PatternStream(size, seed: 11), size / 4, azurite);
        var put = await store.PutAsync("restart/16mb.bin", source);
        Assert.True(source.Restarted, "the emulator was not restarted during the upload");
        Assert.True(store.RetryCount > 0, "no request was retried, so the restart was not observed");
        Assert.Equal(size, put.Length);
        await using var d = await store.GetAsync("restart/16mb.bin");
        var ms = new MemoryStream();
        await d!.Content.CopyToAsync(ms);
        Assert.Equal(new PatternStream(size, seed: 11).Sha256(), System.Security.Cryptography.SHA256.HashData(ms.ToArray()));
    }

    private static void AssertNoSecret(Exception e, string secret)
    {
        for (var x = e; x is not null; x = x.InnerException)
        {
            Assert.DoesNotContain(secret, x.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, x.ToString(), StringComparison.Ordinal);
        }
    }

    /// <summary>Answers every request with a Blob-service error whose text quotes the request's signature and a key.</summary>
    private sealed class EchoingHandler(string signature) : HttpMessageHandler
    {
        public const string Key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
        private int _requests;

        public int Requests => Volatile.Read(ref _requests);

        public HttpStatusCode Status { get; set; } = HttpStatusCode.Forbidden;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _requests);
            Assert.Contains(signature, request.RequestUri!.Query, StringComparison.Ordinal);
            var code = Status == HttpStatusCode.Forbidden ? "AuthenticationFailed" : "ServerBusy";
            var body = $"<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>{code}</Code><Message>Signature did not match for sig={signature} (AccountKey={Key})\nRequestId:r-1</Message>" +
                       $"<AuthenticationErrorDetail>Signature did not match. sig={Uri.UnescapeDataString(signature)}</AuthenticationErrorDetail></Error>";
            var response = new HttpResponseMessage(Status) { Content = new StringContent(body, Encoding.UTF8, "application/xml"), RequestMessage = request };
            response.Headers.Add("x-ms-error-code", code);
            response.Headers.Add("x-ms-request-id", "r-1");
            return Task.FromResult(response);
        }
    }

    /// <summary>Wraps a source and restarts the emulator once a number of bytes went through.</summary>
    private sealed class RestartingStream(Stream inner, long restartAfter, AzuriteProcess azurite) : Stream
    {
        private long _read;
        public bool Restarted { get; private set; }
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => inner.Length;
        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("the store reads asynchronously");

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            int n = await inner.ReadAsync(buffer, cancellationToken);
            _read += n;
            if (!Restarted && _read >= restartAfter)
            {
                Restarted = true;
                azurite.Stop();
                // Start again in the background after a pause, while the uploader is already failing and backing off.
                _ = Task.Run(async () =>
                {
                    await Task.Delay(1500, CancellationToken.None);
                    azurite.Start();
                }, CancellationToken.None);
            }
            return n;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
