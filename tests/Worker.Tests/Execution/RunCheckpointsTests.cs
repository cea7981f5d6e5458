using System.Collections.Immutable;
using Amber.Grains.Contracts;
using Amber.Grains.Parameters;
using Amber.Storage.Blobs.FileSystem;
using Amber.Worker.Execution.Checkpoints;

namespace Amber.Worker.Tests.Execution;

/// <summary>Checkpoint blobs on a real folder store: create-only writes, hash-verified reads with fallback, deletion.</summary>
public sealed class RunCheckpointsTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("amber-ckpt-").FullName;
    private readonly FileSystemBlobStore blobs;

    public RunCheckpointsTests() => blobs = new FileSystemBlobStore(folder);

    public void Dispose() => Directory.Delete(folder, true);

    private static RunAssignment Attempt(int attempt) => new("sw-c", "sw-c-t000", "sw-c-t000-f1-s1", 0, attempt, GangInfo.Single("w"),
        new TrialParameters(new Dictionary<string, ParameterValue> { ["method"] = ParameterValue.Of("ce") }), new RunProtocol("synthetic", "builtin", ImmutableSortedDictionary<string, string>.Empty, 1, 5, 1, "random"),
        $"sweeps/sw-c/runs/sw-c-t000-f1-s1/a{attempt}/");

    [Fact]
    public async Task A_checkpoint_is_written_once_under_its_attempt_with_the_sha256_of_its_bytes()
    {
        byte[] bytes = [1, 2, 3, 4, 5];
        var written = await RunCheckpoints.WriteAsync(blobs, Attempt(2), 3, bytes, CancellationToken.None);
        Assert.Equal("sweeps/sw-c/runs/sw-c-t000-f1-s1/a2/checkpoints/epoch-000003.ckpt", written.Name);
        // The reference: SHA-256("\x01\x02\x03\x04\x05") as computed by coreutils' sha256sum.
        Assert.Equal("74f81fe167d99b4cb41d6d0ccda82278caee9f3e2f25d5e5a3936ff3dcec60d0", written.Sha256);
        Assert.Equal((3, 2), (written.Epoch, written.Attempt));

        Assert.Equal(written, await RunCheckpoints.WriteAsync(blobs, Attempt(2), 3, bytes, CancellationToken.None));   // a repeat is fine
        var clash = await Assert.ThrowsAsync<InvalidOperationException>(() => RunCheckpoints.WriteAsync(blobs, Attempt(2), 3, new byte[] { 9 }, CancellationToken.None));
        Assert.Contains("refusing to overwrite", clash.Message, StringComparison.Ordinal);
        await using var kept = (await blobs.GetAsync(written.Name))!;
        using var copy = new MemoryStream();
        await kept.Content.CopyToAsync(copy);
        Assert.Equal(bytes, copy.ToArray());
    }

    [Fact]
    public async Task A_corrupted_newest_checkpoint_falls_back_to_the_previous_one()
    {
        var older = await RunCheckpoints.WriteAsync(blobs, Attempt(1), 4, new byte[] { 4, 4, 4 }, CancellationToken.None);
        var newer = await RunCheckpoints.WriteAsync(blobs, Attempt(1), 5, new byte[] { 5, 5, 5 }, CancellationToken.None);
        // Flip a byte of the newest on disk, as a torn or bit-rotted upload would.
        var path = Path.Combine(folder, newer.Name.Replace('/', Path.DirectorySeparatorChar));
        var onDisk = await File.ReadAllBytesAsync(path);
        onDisk[1] ^= 0xFF;
        await File.WriteAllBytesAsync(path, onDisk);

        var skipped = new List<string>();
        var read = new List<(CheckpointRef Ref, byte[] Bytes)>();
        await foreach (var c in RunCheckpoints.ReadNewestFirstAsync(blobs, [older, newer], (c, why) => skipped.Add($"{c.Epoch}: {why}"), CancellationToken.None))
            read.Add(c);
        Assert.Equal([older], read.Select(r => r.Ref));
        Assert.Equal([4, 4, 4], read[0].Bytes);
        Assert.Single(skipped, s => s.StartsWith("5: SHA-256 mismatch", StringComparison.Ordinal));

        await blobs.DeleteAsync(older.Name);
        skipped.Clear();
        await foreach (var c in RunCheckpoints.ReadNewestFirstAsync(blobs, [older, newer], (c, why) => skipped.Add($"{c.Epoch}: {why}"), CancellationToken.None))
            Assert.Fail($"nothing intact is left, yet {c.Ref.Name} was returned");
        Assert.Equal(2, skipped.Count);
        Assert.StartsWith("5: SHA-256 mismatch", skipped[0], StringComparison.Ordinal);
        Assert.Equal("4: the blob is missing", skipped[1]);
    }

    [Fact]
    public async Task Deleting_a_finished_runs_checkpoints_removes_every_attempts_checkpoints_and_nothing_else()
    {
        await RunCheckpoints.WriteAsync(blobs, Attempt(1), 1, new byte[] { 1 }, CancellationToken.None);
        await RunCheckpoints.WriteAsync(blobs, Attempt(2), 2, new byte[] { 2 }, CancellationToken.None);
        using (var results = new MemoryStream([7]))
            await blobs.PutAsync("sweeps/sw-c/runs/sw-c-t000-f1-s1/a2/metrics.parquet", results);
        using (var other = new MemoryStream([8]))
            await blobs.PutAsync("sweeps/sw-c/runs/sw-c-t001-f1-s1/a1/checkpoints/epoch-000001.ckpt", other);

        Assert.Equal(2, await RunCheckpoints.DeleteAllAsync(blobs, "sw-c", "sw-c-t000-f1-s1", CancellationToken.None));
        var left = new List<string>();
        await foreach (var b in blobs.ListAsync("sweeps/sw-c/")) left.Add(b.Name);
        Assert.Equal(["sweeps/sw-c/runs/sw-c-t000-f1-s1/a2/metrics.parquet", "sweeps/sw-c/runs/sw-c-t001-f1-s1/a1/checkpoints/epoch-000001.ckpt"], left);
        Assert.Equal(1, await RunCheckpoints.DeleteAllAsync(blobs, "sw-c", null, CancellationToken.None));   // the whole sweep
    }
}
