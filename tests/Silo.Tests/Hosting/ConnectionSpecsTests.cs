using Amber.Silo.Hosting;
using Amber.Storage.Blobs.Azure;
using Amber.Storage.Blobs.FileSystem;

namespace Amber.Silo.Tests.Hosting;

public sealed class ConnectionSpecsTests
{
    [Theory]
    [InlineData("foo", "has no scheme")]
    [InlineData("s3:bucket", "unknown scheme 's3'")]
    [InlineData("file:", "names nothing after 'file:'")]
    public void Bad_blob_specs_say_what_is_expected(string spec, string fragment)
    {
        var ex = Assert.Throws<ArgumentException>(() => ConnectionSpecs.OpenBlobs(spec));
        Assert.Contains(fragment, ex.Message, StringComparison.Ordinal);
        Assert.Contains("expected file:<dir> or azure:<connection string", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Secrets_in_a_refused_spec_are_not_echoed()
    {
        var ex = Assert.Throws<ArgumentException>(() => ConnectionSpecs.OpenBlobs("s3:AccountName=a;AccountKey=c2VjcmV0"));
        Assert.DoesNotContain("c2VjcmV0", ex.Message, StringComparison.Ordinal);
        Assert.Contains("AccountKey=…", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Good_specs_open_the_named_backends()
    {
        string dir = Path.Combine(Path.GetTempPath(), "amber-silo-tests", Guid.NewGuid().ToString("N"));
        var blobs = Assert.IsType<FileSystemBlobStore>(ConnectionSpecs.OpenBlobs($"file:{dir}/blobs"));
        await using (var content = new MemoryStream([1, 2, 3])) await blobs.PutAsync("a/b.bin", content);
        Assert.True(File.Exists(Path.Combine(dir, "blobs", "a", "b.bin")));
        Directory.Delete(dir, true);
    }

    [Fact]
    public void Azure_specs_take_a_connection_string_a_sas_url_or_an_endpoint_for_a_token_credential()
    {
        var key = Convert.ToBase64String(Enumerable.Range(0, 64).Select(i => (byte)i).ToArray());
        var shared = Assert.IsType<AzureBlobStore>(ConnectionSpecs.OpenBlobs($"azure:DefaultEndpointsProtocol=https;AccountName=acct;AccountKey={key};EndpointSuffix=core.windows.net", "results"));
        Assert.Equal(("shared-key", "results"), (shared.Authentication, shared.Container));
        var sas = Assert.IsType<AzureBlobStore>(ConnectionSpecs.OpenBlobs("azure:https://acct.blob.core.windows.net/?sv=2025-01-05&ss=b&srt=sco&sp=rwdl&sig=c2lnbmF0dXJl"));
        Assert.Equal("sas", sas.Authentication);
        var token = Assert.IsType<AzureBlobStore>(ConnectionSpecs.OpenBlobs("azure:https://acct.blob.core.windows.net"));
        Assert.Equal("token", token.Authentication);
        var bad = Assert.Throws<FormatException>(() => ConnectionSpecs.OpenBlobs("azure:AccountName=acct;Password=hunter2-secret"));
        Assert.DoesNotContain("hunter2-secret", bad.Message, StringComparison.Ordinal);
    }
}
