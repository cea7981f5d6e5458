using System.Security.Cryptography;
using System.Text;
using Amber.Storage.Blobs;

namespace Amber.Storage.Tests.Blobs;

/// <summary>One contract, derived once per backend: every store must pass the same tests.</summary>
public abstract class BlobStoreContractTests
{
    /// <summary>A fresh, empty store.</summary>
    protected abstract IBlobStore CreateStore();

    private static MemoryStream Bytes(string s) => new(Encoding.UTF8.GetBytes(s));

    private static async Task<string> ReadText(IBlobStore store, string name)
    {
        await using var d = await store.GetAsync(name) ?? throw new Xunit.Sdk.XunitException($"blob {name} missing");
        using var reader = new StreamReader(d.Content);
        return await reader.ReadToEndAsync();
    }

    [Fact]
    public async Task Put_then_get_returns_bytes_content_type_and_metadata()
    {
        var store = CreateStore();
        var meta = new Dictionary<string, string> { ["schemaVersion"] = "1", ["run_id"] = "r-42" };
        var put = await store.PutAsync("results/s1/t 1/metrics.parquet", Bytes("hello ✓"), new BlobPutOptions("application/vnd.apache.parquet", meta));
        Assert.Equal(Encoding.UTF8.GetByteCount("hello ✓"), put.Length);
        Assert.False(string.IsNullOrEmpty(put.ETag));

        await using var d = await store.GetAsync("results/s1/t 1/metrics.parquet");
        Assert.NotNull(d);
        Assert.Equal(put.ETag, d.Properties.ETag);
        Assert.Equal("application/vnd.apache.parquet", d.Properties.ContentType);
        Assert.Equal(put.Length, d.Properties.Length);
        Assert.Equal("1", d.Properties.Metadata["schemaVersion"]);
        Assert.Equal("r-42", d.Properties.Metadata["run_id"]);
        using var reader = new StreamReader(d.Content);
        Assert.Equal("hello ✓", await reader.ReadToEndAsync());

        var props = await store.GetPropertiesAsync("results/s1/t 1/metrics.parquet");
        Assert.Equal(put.ETag, props!.ETag);
        Assert.Equal("r-42", props.Metadata["run_id"]);
    }

    [Fact]
    public async Task Missing_blobs_are_null_and_false()
    {
        var store = CreateStore();
        Assert.Null(await store.GetAsync("nope/x"));
        Assert.Null(await store.GetPropertiesAsync("nope/x"));
        Assert.False(await store.DeleteAsync("nope/x"));
    }

    [Fact]
    public async Task Overwrite_changes_the_etag_and_the_bytes()
    {
        var store = CreateStore();
        var first = await store.PutAsync("a/b", Bytes("one"));
        var second = await store.PutAsync("a/b", Bytes("two"));
        Assert.NotEqual(first.ETag, second.ETag);
        Assert.Equal("two", await ReadText(store, "a/b"));
    }

    [Fact]
    public async Task If_none_match_star_refuses_to_overwrite()
    {
        var store = CreateStore();
        await store.PutAsync("once", Bytes("first"), new BlobPutOptions(Condition: BlobCondition.IfNotExists));
        await Assert.ThrowsAsync<BlobConditionFailedException>(() => store.PutAsync("once", Bytes("second"), new BlobPutOptions(Condition: BlobCondition.IfNotExists)));
        Assert.Equal("first", await ReadText(store, "once"));
    }

    [Fact]
    public async Task If_match_replaces_only_the_version_that_was_read()
    {
        var store = CreateStore();
        var v1 = await store.PutAsync("state.json", Bytes("v1"));
        var v2 = await store.PutAsync("state.json", Bytes("v2"), new BlobPutOptions(Condition: BlobCondition.IfETagMatches(v1.ETag)));
        var stale = await Assert.ThrowsAsync<BlobConditionFailedException>(() => store.PutAsync("state.json", Bytes("v3"), new BlobPutOptions(Condition: BlobCondition.IfETagMatches(v1.ETag))));
        Assert.Equal("state.json", stale.BlobName);
        Assert.Equal("v2", await ReadText(store, "state.json"));
        Assert.Equal(v2.ETag, (await store.GetPropertiesAsync("state.json"))!.ETag);
        await Assert.ThrowsAsync<BlobConditionFailedException>(() => store.PutAsync("absent.json", Bytes("x"), new BlobPutOptions(Condition: BlobCondition.IfETagMatches(v1.ETag))));
    }

    [Fact]
    public async Task Delete_honours_if_match()
    {
        var store = CreateStore();
        var v1 = await store.PutAsync("d/x", Bytes("1"));
        var v2 = await store.PutAsync("d/x", Bytes("2"));
        await Assert.ThrowsAsync<BlobConditionFailedException>(() => store.DeleteAsync("d/x", BlobCondition.IfETagMatches(v1.ETag)));
        Assert.NotNull(await store.GetPropertiesAsync("d/x"));
        Assert.True(await store.DeleteAsync("d/x", BlobCondition.IfETagMatches(v2.ETag)));
        Assert.Null(await store.GetPropertiesAsync("d/x"));
    }

    [Fact]
    public async Task List_returns_names_with_the_prefix_in_ordinal_order()
    {
        var store = CreateStore();
        string[] names = ["runs/b/2", "runs/a/1", "runs/a/10", "runs/a/2", "runsx/1", "other/1", "runs/A/1"];
        foreach (var n in names) await store.PutAsync(n, Bytes(n));
        var listed = await store.ListAsync("runs/").Select(p => p.Name).ToListAsync();
        Assert.Equal(names.Where(n => n.StartsWith("runs/", StringComparison.Ordinal)).Order(StringComparer.Ordinal), listed);
        var partial = await store.ListAsync("runs/a/1").Select(p => p.Name).ToListAsync();
        Assert.Equal(["runs/a/1", "runs/a/10"], partial);
        var all = await store.ListAsync("").ToListAsync();
        Assert.Equal(names.Order(StringComparer.Ordinal), all.Select(p => p.Name));
        Assert.All(all, p => Assert.Equal(Encoding.UTF8.GetByteCount(p.Name), p.Length));
    }

    [Fact]
    public async Task Invalid_names_are_rejected_before_any_io()
    {
        var store = CreateStore();
        foreach (var bad in new[] { "../escape", "/abs", "a//b", "a/./b", "tab\there", "C:/x", "a\\b" })
            await Assert.ThrowsAsync<ArgumentException>(() => store.PutAsync(bad, Bytes("x")));
        await Assert.ThrowsAsync<ArgumentException>(() => store.PutAsync("ok", Bytes("x"), new BlobPutOptions(Metadata: new Dictionary<string, string> { ["bad-key"] = "v" })));
    }

    [Fact]
    public async Task Concurrent_create_only_writes_have_exactly_one_winner()
    {
        var store = CreateStore();
        for (int round = 0; round < 3; round++)
        {
            var name = $"race/{round}";
            var attempts = Enumerable.Range(0, 8).Select(async i =>
            {
                try
                {
                    await store.PutAsync(name, Bytes($"writer {i}"), new BlobPutOptions(Condition: BlobCondition.IfNotExists));
                    return i;
                }
                catch (BlobConditionFailedException)
                {
                    return -1;
                }
            });
            var results = await Task.WhenAll(attempts);
            var winners = results.Where(r => r >= 0).ToArray();
            Assert.Single(winners);
            Assert.Equal($"writer {winners[0]}", await ReadText(store, name));
        }
    }

    [Fact]
    public async Task Concurrent_if_match_updates_have_exactly_one_winner()
    {
        var store = CreateStore();
        var v0 = await store.PutAsync("counter", Bytes("0"));
        var results = await Task.WhenAll(Enumerable.Range(1, 8).Select(async i =>
        {
            try
            {
                await store.PutAsync("counter", Bytes(i.ToString(System.Globalization.CultureInfo.InvariantCulture)), new BlobPutOptions(Condition: BlobCondition.IfETagMatches(v0.ETag)));
                return true;
            }
            catch (BlobConditionFailedException)
            {
                return false;
            }
        }));
        Assert.Equal(1, results.Count(r => r));
        Assert.Equal((results.ToList().IndexOf(true) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), await ReadText(store, "counter"));
    }

    [Fact]
    public async Task Listing_ten_thousand_blobs_spans_pages_and_misses_none()
    {
        var store = CreateStore();
        const int count = 10_000;
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
            await store.PutAsync($"many/{i % 7}/{i:D5}", new MemoryStream([(byte)i]), cancellationToken: ct));
        var listed = await store.ListAsync("many/").Select(p => p.Name).ToListAsync();
        Assert.Equal(count, listed.Count);
        Assert.Equal(Enumerable.Range(0, count).Select(i => $"many/{i % 7}/{i:D5}").Order(StringComparer.Ordinal), listed);
    }

    [Fact]
    public async Task A_hundred_megabyte_upload_streams_with_flat_memory()
    {
        var store = CreateStore();
        const long size = 100L << 20;
        var source = new PatternStream(size, seed: 5);
        GC.Collect();
        long before = GC.GetTotalAllocatedBytes(precise: true);
        var put = await store.PutAsync("big/100mb.bin", source);
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.Equal(size, put.Length);
        // Buffering the object would allocate ≥100 MB; a streaming upload allocates about one block plus bookkeeping.
        Assert.True(allocated < 24L << 20, $"upload allocated {allocated / (1 << 20)} MiB for a {size >> 20} MiB object");

        await using var d = await store.GetAsync("big/100mb.bin");
        Assert.Equal(size, d!.Properties.Length);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 16];
        int n;
        while ((n = await d.Content.ReadAsync(buffer)) > 0) sha.AppendData(buffer, 0, n);
        Assert.Equal(new PatternStream(size, seed: 5).Sha256(), sha.GetHashAndReset());
    }
}

/// <summary>A deterministic pseudo-random byte stream of a given length that is generated, not stored.</summary>
internal sealed class PatternStream(long length, int seed) : Stream
{
    private long _position;
    private ulong _state = (ulong)seed * 0x9E3779B97F4A7C15UL + 1;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => length;
    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n = (int)Math.Min(buffer.Length, length - _position);
        for (int i = 0; i < n; i++)
        {
            _state ^= _state << 13;
            _state ^= _state >> 7;
            _state ^= _state << 17;
            buffer[i] = (byte)_state;
        }
        _position += n;
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(Read(buffer, offset, count));

    public byte[] Sha256()
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 16];
        int n;
        while ((n = Read(buffer)) > 0) sha.AppendData(buffer, 0, n);
        return sha.GetHashAndReset();
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
