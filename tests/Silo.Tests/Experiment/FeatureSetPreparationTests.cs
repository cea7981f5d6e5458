using System.Collections.Immutable;
using Amber.Data.Features;
using Amber.Data.Synthetic;
using Amber.Grains.Contracts;
using Amber.Grains.Features;
using Amber.Grains.Parameters;
using Amber.Storage.Blobs;
using Amber.Storage.Blobs.FileSystem;
using Amber.Worker.Execution;

namespace Amber.Silo.Tests.Experiment;

/// <summary>
/// Preparing a feature set in shards with real extraction on two "workers" (executors with their own work folders and
/// shard caches, one blob store), driven by the feature-set ledger as the grain drives it: the assembled set equals a
/// one-shot build of the same corpus; each worker's cache serves shards without the store; a shard whose stored bytes
/// fail their hash is detected, rebuilt and rewritten, and the run's metrics are those of an undamaged set.
/// </summary>
public sealed class FeatureSetPreparationTests : IDisposable
{
    private readonly ExperimentTempDir dir = new();

    public void Dispose() => dir.Dispose();

    private string Corpus => "synthetic:" + Path.Combine(dir.Path, "corpus");

    private TrainingRunExecutor Worker(string name) => new(new TrainingExecutorOptions
    {
        WorkDirectory = Path.Combine(dir.Path, name),
        Synthetic = new SyntheticOptions { Utterances = 220, Seed = 5 },
        CheckpointEvery = 0,
    });

    private RunAssignment Run(int fold) => new("sw-fs", "sw-fs-t000", $"sw-fs-t000-f{fold}-s1", 0, 1, GangInfo.Single("w"),
        new TrialParameters(new Dictionary<string, ParameterValue> { ["method"] = ParameterValue.Of("amber2"), ["max_epochs"] = ParameterValue.Of(3L), ["hidden"] = ParameterValue.Of(16L) }),
        new RunProtocol(Corpus, "builtin", ImmutableSortedDictionary<string, string>.Empty, fold, 5, 1, "random"), "sweeps/sw-fs/runs/r/a1/");

    /// <summary>Runs the ledger to the end, handing steps to the workers in turn; returns the final state.</summary>
    private async Task<FeatureSetGrainState> PrepareAsync(IBlobStore blobs, params TrainingRunExecutor[] workers)
    {
        var request = new FeatureSetRequest(Corpus, "builtin", ImmutableSortedDictionary<string, string>.Empty);
        var state = new FeatureSetGrainState();
        FeatureSetLedger.Start(state, request);
        for (int turn = 0; state.Status is not (FeatureSetStatus.Ready or FeatureSetStatus.Failed); turn++)
        {
            // Lease every free step before answering any, as idle workers would take them in parallel.
            var held = new List<(int Worker, FeatureTask Task)>();
            for (int w = turn; FeatureSetLedger.Lease(state, request.Key, $"w{w % workers.Length}", DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)) is { } task; w++)
                held.Add((w % workers.Length, task));
            Assert.NotEmpty(held);
            var answers = await Task.WhenAll(held.Select(h => workers[h.Worker].PrepareFeaturesAsync(h.Task, blobs, CancellationToken.None)));
            for (int i = 0; i < held.Count; i++) Assert.True(FeatureSetLedger.Complete(state, $"w{held[i].Worker}", answers[i]).Accepted);
        }
        Assert.Equal(FeatureSetStatus.Ready, state.Status);
        return state;
    }

    [Fact]
    public async Task Shards_from_two_workers_assemble_into_the_set_a_single_build_gives()
    {
        var blobs = new FileSystemBlobStore(Path.Combine(dir.Path, "blobs"));
        var a = Worker("a");
        var b = Worker("b");
        var state = await PrepareAsync(blobs, a, b);

        // Independent reference: the whole corpus extracted at once by a third executor, in memory.
        var whole = Worker("c").Features.Build(Run(1).Protocol);
        var shards = state.Steps.Where(s => s.Step == FeatureStep.Shard).ToList();
        Assert.Equal((whole.Count + 63) / 64, shards.Count);                                   // 64 rows per shard for a small corpus
        Assert.True(shards.Count >= 2, $"{whole.Count} utterances gave {shards.Count} shard(s)");
        Assert.Equal(["w0", "w1"], shards.Select(s => s.Worker!).Distinct().Order());          // both workers extracted
        var prefix = a.Features.PrefixFor(Run(1).Protocol);
        Assert.Equal(prefix, state.Manifest);

        var stored = await FeatureSetStore.ReadAsync(blobs, prefix);
        Assert.Equal(whole.Ids, stored.Ids);
        Assert.Equal(whole.Speech, stored.Speech);
        Assert.Equal(whole.SoftLabels, stored.SoftLabels);

        // Asked again (a second sweep, or after a restart), the plan finds the stored set: nothing is extracted twice.
        var again = await PrepareAsync(blobs, b);
        Assert.DoesNotContain(again.Steps, s => s.Step == FeatureStep.Shard);
        Assert.Equal(prefix, again.Manifest);
    }

    [Fact]
    public async Task A_worker_reads_shards_from_its_cache_and_a_damaged_stored_shard_is_rebuilt()
    {
        var blobs = new FileSystemBlobStore(Path.Combine(dir.Path, "blobs"));
        var state = await PrepareAsync(blobs, Worker("a"), Worker("b"));
        var reference = await Worker("fresh").ExecuteAsync(Run(2), new RecordingRunContext(blobs), CancellationToken.None);

        // The assembling worker verified and cached every shard: with one shard gone from the store, it still reads the set.
        var assembler = state.Steps.Single(s => s.Step == FeatureStep.Assemble).Worker == "w0" ? "a" : "b";
        var victim = state.Steps.First(s => s.Step == FeatureStep.Shard).Shards[0];
        var bytes = await ReadAsync(blobs, victim.Name);
        Assert.True(File.Exists(Path.Combine(dir.Path, assembler, "feature-cache", victim.Sha256 + ".npy")));
        await blobs.DeleteAsync(victim.Name);
        var fromCache = await Worker(assembler).ExecuteAsync(Run(2), new RecordingRunContext(blobs), CancellationToken.None);
        Assert.Equal(reference.Metrics, fromCache.Metrics);

        // Damaged bytes under the shard's name: a worker without a cache detects the hash mismatch, builds the set itself,
        // rewrites the shard, and trains on the right features.
        bytes[^1] ^= 0x5A;
        using (var damaged = new MemoryStream(bytes)) await blobs.PutAsync(victim.Name, damaged, new BlobPutOptions("application/octet-stream"));
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => FeatureSetStore.ReadAsync(blobs, state.Manifest!));
        Assert.Contains($"the manifest expects {victim.Sha256}", e.Message, StringComparison.Ordinal);
        var repaired = await Worker("other").ExecuteAsync(Run(2), new RecordingRunContext(blobs), CancellationToken.None);
        Assert.Equal(reference.Metrics, repaired.Metrics);
        var back = await ReadAsync(blobs, victim.Name);
        Assert.Equal(victim.Sha256, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(back)));
    }

    private static async Task<byte[]> ReadAsync(IBlobStore blobs, string name)
    {
        await using var download = await blobs.GetAsync(name) ?? throw new FileNotFoundException(name);
        using var ms = new MemoryStream();
        await download.Content.CopyToAsync(ms);
        return ms.ToArray();
    }
}
