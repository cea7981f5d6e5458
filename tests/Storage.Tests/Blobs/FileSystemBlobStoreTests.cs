using System.Text;
using Amber.Storage.Blobs;
using Amber.Storage.Blobs.FileSystem;
using Amber.Storage.Tests.Support;

namespace Amber.Storage.Tests.Blobs;

public sealed class FileSystemBlobStoreTests : BlobStoreContractTests, IDisposable
{
    private readonly TempDir _dir = new();

    protected override IBlobStore CreateStore() => new FileSystemBlobStore(Path.Combine(_dir.Path, Guid.NewGuid().ToString("N")));

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Blobs_are_plain_files_under_the_root_and_no_temp_files_remain()
    {
        var store = new FileSystemBlobStore(_dir.File("plain"));
        await store.PutAsync("results/s/metrics.parquet", new MemoryStream(Encoding.ASCII.GetBytes("PAR1")));
        Assert.Equal("PAR1", await File.ReadAllTextAsync(Path.Combine(_dir.Path, "plain", "results", "s", "metrics.parquet")));
        Assert.Empty(Directory.GetFiles(Path.Combine(_dir.Path, "plain", FileSystemBlobStore.ReservedFolder, "tmp")));
    }

    [Fact]
    public async Task A_failing_source_stream_leaves_the_old_version()
    {
        var store = new FileSystemBlobStore(_dir.File("fail"));
        await store.PutAsync("x", new MemoryStream([1, 2, 3]));
        await Assert.ThrowsAsync<IOException>(() => store.PutAsync("x", new FailingStream()));
        await using var d = await store.GetAsync("x");
        var ms = new MemoryStream();
        await d!.Content.CopyToAsync(ms);
        Assert.Equal(new byte[] { 1, 2, 3 }, ms.ToArray());
        Assert.Empty(Directory.GetFiles(Path.Combine(_dir.Path, "fail", FileSystemBlobStore.ReservedFolder, "tmp")));
    }

    [Fact]
    public async Task A_file_edited_outside_the_store_gets_a_new_etag()
    {
        var store = new FileSystemBlobStore(_dir.File("edit"));
        var put = await store.PutAsync("f", new MemoryStream([1, 2, 3]));
        await File.WriteAllBytesAsync(store.PathOf("f"), [9, 9, 9, 9]);
        var props = await store.GetPropertiesAsync("f");
        Assert.NotEqual(put.ETag, props!.ETag);
        Assert.Equal(4, props.Length);
    }

    [Fact]
    public async Task A_name_below_an_existing_blob_fails_with_an_explanation()
    {
        var store = new FileSystemBlobStore(_dir.File("collide"));
        await store.PutAsync("a", new MemoryStream([1]));
        var e = await Assert.ThrowsAsync<IOException>(() => store.PutAsync("a/b", new MemoryStream([2])));
        Assert.Contains("a blob name and a folder collide", e.Message);
        Assert.Empty(Directory.GetFiles(Path.Combine(_dir.Path, "collide", FileSystemBlobStore.ReservedFolder, "tmp")));
    }

    [Fact]
    public async Task The_bookkeeping_folder_is_not_a_blob_name()
    {
        var store = new FileSystemBlobStore(_dir.File("reserved"));
        await Assert.ThrowsAsync<ArgumentException>(() => store.PutAsync(".amber-blobs/meta/x", new MemoryStream([1])));
    }

    private sealed class FailingStream : Stream
    {
        private int _reads;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => ++_reads < 3 ? count : throw new IOException("source failed mid-way");
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ++_reads < 3 ? ValueTask.FromResult(buffer.Length) : throw new IOException("source failed mid-way");
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
