using System.Net;
using System.Text;
using Amber.Storage.Blobs;
using Amber.Storage.Blobs.Azure;
using Amber.Storage.Tests.Support;

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

    [Fact]
    public async Task A_sas_token_authorizes_without_the_account_key()
    {
        var shared = AzureStorageConnection.Parse(ConnectionString);
        var key = ConnectionString.Split(';').First(p => p.StartsWith("AccountKey=", StringComparison.Ordinal))["AccountKey=".Length..];
        var sas = AzureSas.CreateAccountSas(shared.AccountName, key, DateTimeOffset.UtcNow.AddHours(1));
        var sasConnection = $"BlobEndpoint={shared.BlobEndpoint};SharedAccessSignature={sas}";
        using var store = AzureBlobStore.FromConnectionString(sasConnection, NewContainer());
        var put = await store.PutAsync("sas/one.txt", new MemoryStream(Encoding.UTF8.GetBytes("via sas")), new BlobPutOptions("text/plain"));
        Assert.Equal("text/plain", (await store.GetPropertiesAsync("sas/one.txt"))!.ContentType);
        Assert.Equal(put.ETag, Assert.Single(await store.ListAsync("sas/").ToListAsync()).ETag);

        // A token signed with another key is refused, with the service's error code and no secret in the message.
        var forged = AzureSas.CreateAccountSas(shared.AccountName, Convert.ToBase64String(new byte[64]), DateTimeOffset.UtcNow.AddHours(1));
        using var bad = AzureBlobStore.FromConnectionString($"BlobEndpoint={shared.BlobEndpoint};SharedAccessSignature={forged}", NewContainer());
        var e = await Assert.ThrowsAsync<AzureBlobException>(() => bad.PutAsync("x", new MemoryStream([1])));
        Assert.Equal(HttpStatusCode.Forbidden, e.StatusCode);
        Assert.Equal("AuthorizationFailure", e.ErrorCode);
        Assert.DoesNotContain(forged.Split("sig=")[1], e.Message);
    }

    [Fact]
    public async Task A_wrong_key_fails_with_the_service_error_code_and_no_secret()
    {
        var shared = AzureStorageConnection.Parse(ConnectionString);
        var wrongKey = Convert.ToBase64String(Enumerable.Range(0, 64).Select(i => (byte)i).ToArray());
        using var store = new AzureBlobStore(AzureStorageConnection.WithSharedKey(shared.BlobEndpoint, shared.AccountName, wrongKey), NewContainer());
        var e = await Assert.ThrowsAsync<AzureBlobException>(() => store.PutAsync("x", new MemoryStream([1])));
        Assert.Equal(HttpStatusCode.Forbidden, e.StatusCode);
        Assert.Equal("AuthorizationFailure", e.ErrorCode);
        Assert.DoesNotContain(wrongKey, e.Message);
        Assert.DoesNotContain(wrongKey, AzureStorageConnection.WithSharedKey(shared.BlobEndpoint, shared.AccountName, wrongKey).ToString());
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
        // the store is sending blocks: those requests fail, are retried with backoff, and the upload completes.
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

    [Fact]
    public void Connection_strings_parse_in_every_azure_form()
    {
        var dev = AzureStorageConnection.Parse("UseDevelopmentStorage=true");
        Assert.Equal("http://127.0.0.1:10000/devstoreaccount1", dev.BlobEndpoint.AbsoluteUri);
        Assert.Equal("devstoreaccount1", dev.AccountName);
        var cloud = AzureStorageConnection.Parse("DefaultEndpointsProtocol=https;AccountName=amberacct;AccountKey=" + Convert.ToBase64String(new byte[32]) + ";EndpointSuffix=core.windows.net");
        Assert.Equal("https://amberacct.blob.core.windows.net/", cloud.BlobEndpoint.AbsoluteUri);
        var sas = AzureStorageConnection.Parse("BlobEndpoint=https://x.blob.core.windows.net;SharedAccessSignature=sv=2021-08-06&sig=SECRET");
        Assert.Equal("x", sas.AccountName);
        Assert.DoesNotContain("SECRET", sas.ToString());
        var e = Assert.Throws<FormatException>(() => AzureStorageConnection.Parse("AccountName=a;AccountKey=not*base64"));
        Assert.Contains("AccountKey", e.Message);
        Assert.DoesNotContain("not*base64", e.Message);
        Assert.Throws<FormatException>(() => AzureStorageConnection.Parse("AccountName=a"));
    }

    [Fact]
    public void Shared_key_string_to_sign_follows_the_documented_layout()
    {
        // Layout from the Blob service "Authorize with Shared Key" reference: verb, 11 standard headers, the sorted x-ms-*
        // headers, then /account/path with lowercase, sorted, decoded query parameters.
        using var request = new HttpRequestMessage(HttpMethod.Put, "http://127.0.0.1:10000/devstoreaccount1/c/a%20b?comp=block&blockid=QUJD%3D");
        request.Content = new ByteArrayContent(new byte[5]);
        request.Headers.TryAddWithoutValidation("x-ms-version", "2021-08-06");
        request.Headers.TryAddWithoutValidation("x-ms-date", "Mon, 01 Jan 2024 00:00:00 GMT");
        request.Headers.TryAddWithoutValidation("If-None-Match", "*");
        var expected = "PUT\n\n\n5\n\n\n\n\n\n*\n\n\n" +
                       "x-ms-date:Mon, 01 Jan 2024 00:00:00 GMT\nx-ms-version:2021-08-06\n" +
                       "/devstoreaccount1/devstoreaccount1/c/a%20b\nblockid:QUJD=\ncomp:block";
        Assert.Equal(expected, SharedKeySigner.StringToSign(request, "devstoreaccount1"));
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
