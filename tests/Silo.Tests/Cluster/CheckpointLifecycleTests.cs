using Amber.Grains;
using Amber.Grains.Contracts;
using Amber.Grains.Sweeps;
using Amber.Silo.Tests.Api;
using Amber.Storage.Blobs.FileSystem;
using Amber.Worker;
using Amber.Worker.Execution;

namespace Amber.Silo.Tests.Cluster;

/// <summary>
/// Checkpoints through the real path — a worker agent, its run context, the run grain on a silo, a folder blob store —
/// with an executor that only writes checkpoints: the run keeps two, a retry resumes from the newest intact one (a
/// corrupted newest falls back to the one before), and a run that succeeds or is cancelled leaves no checkpoint behind.
/// </summary>
public sealed class CheckpointLifecycleTests : IAsyncLifetime
{
    private const string Spec = "name: ckpt\ncorpus: synthetic\nmethods: [ce]\nprotocol: {folds: 1, seeds: [1]}\nretries: 2\n";
    private readonly string folder = Directory.CreateTempSubdirectory("amber-ckpt-life-").FullName;
    private SiloApiFactory silo = null!;
    private FileSystemBlobStore blobs = null!;

    public async Task InitializeAsync()
    {
        silo = await SiloApiFactory.StartAsync();
        blobs = new FileSystemBlobStore(folder);
    }

    public async Task DisposeAsync()
    {
        await silo.DisposeAsync();
        Directory.Delete(folder, true);
    }

    /// <summary>Attempt 1 checkpoints epochs 1–3, then the newest rots on disk and the attempt fails; attempt 2 resumes and succeeds.</summary>
    private sealed class CheckpointingExecutor(string folder, bool waitForCancel) : IRunExecutor
    {
        public List<(int Attempt, int Epoch)> Resumed { get; } = [];

        public async Task<RunOutcome> ExecuteAsync(RunAssignment run, IRunContext context, CancellationToken cancellationToken)
        {
            int start = 0;
            await foreach (var c in context.CheckpointsNewestFirstAsync(cancellationToken))
            {
                Assert.Equal(new byte[] { (byte)c.Epoch, 42 }, c.Bytes);
                start = c.Epoch;
                break;
            }
            lock (Resumed) Resumed.Add((run.Attempt, start));
            for (int epoch = start + 1; epoch <= 3; epoch++) await context.SaveCheckpointAsync(epoch, new byte[] { (byte)epoch, 42 }, cancellationToken);
            if (waitForCancel) await Task.Delay(Timeout.Infinite, context.Aborted);
            if (run.Attempt == 1)
            {
                var newest = Path.Combine(folder, $"{run.ArtifactPrefix}checkpoints/epoch-000003.ckpt");
                await File.WriteAllBytesAsync(newest, [3, 43], cancellationToken);   // the bytes no longer have the recorded hash
                throw new InvalidOperationException("boom after epoch 3");
            }
            return new RunOutcome([new MetricRow("test", "all", "js", 0.5)], new Dictionary<string, string>(), 3);
        }
    }

    [Fact]
    public async Task A_retry_resumes_from_the_newest_intact_checkpoint_and_success_deletes_them_all()
    {
        var executor = new CheckpointingExecutor(folder, waitForCancel: false);
        string id = await SubmitAsync();
        using var stop = new CancellationTokenSource();
        var agent = RunAgent(executor, stop.Token);
        await WaitAsync(async () => (await silo.Cluster.GetGrain<ISweepGrain>(id).GetAsync())!.Completed, "the sweep to complete");
        await stop.CancelAsync();
        await agent;

        // Epoch 1 was dropped when epoch 3 was recorded (two are kept); epoch 3 was corrupted: attempt 2 resumed from 2.
        Assert.Equal([(1, 0), (2, 2)], executor.Resumed);
        var info = (await silo.Cluster.GetGrain<ISweepGrain>(id).GetRunsAsync()).Single();
        Assert.Equal(Amber.Grains.Runs.RunStatus.Succeeded, info.Run.Status);
        Assert.Null((await silo.Cluster.GetGrain<IRunGrain>(info.Run.RunId).GetAsync())!.LatestCheckpoint);
        Assert.Empty(Checkpoints(id));
    }

    [Fact]
    public async Task Cancelling_the_sweep_deletes_the_runs_checkpoints_and_two_were_kept_until_then()
    {
        var executor = new CheckpointingExecutor(folder, waitForCancel: true);
        string id = await SubmitAsync();
        using var stop = new CancellationTokenSource();
        var agent = RunAgent(executor, stop.Token);
        await WaitAsync(() => Task.FromResult(executor.Resumed.Count == 1), "the attempt to start");
        var runId = (await silo.Cluster.GetGrain<ISweepGrain>(id).GetRunsAsync()).Single().Run.RunId;
        await WaitAsync(async () => (await silo.Cluster.GetGrain<IRunGrain>(runId).GetAsync())!.LatestCheckpoint?.Epoch == 3, "epoch 3 recorded");
        // The writer deletes epoch 1 once the run grain has dropped it (right after recording epoch 3).
        await WaitAsync(() => Task.FromResult(Checkpoints(id).Select(Path.GetFileName).Order(StringComparer.Ordinal)
            .SequenceEqual(["epoch-000002.ckpt", "epoch-000003.ckpt"])), "the two newest checkpoints to be the only ones");

        await silo.Cluster.GetGrain<ISweepGrain>(id).CancelAsync("test");
        await WaitAsync(() => Task.FromResult(Checkpoints(id).Count == 0), "the cancelled run's checkpoints to be deleted");
        await stop.CancelAsync();
        await agent;
    }

    private Task RunAgent(IRunExecutor executor, CancellationToken ct) =>
        new WorkerAgent(silo.Cluster, executor, blobs, new WorkerAgentOptions
        {
            WorkerId = "wk-ckpt-" + Guid.NewGuid().ToString("N")[..6],
            LongPoll = TimeSpan.FromSeconds(1),
            HeartbeatInterval = TimeSpan.FromSeconds(1),
        }).RunAsync(ct);

    private async Task<string> SubmitAsync()
    {
        string id = SweepIds.New(DateTimeOffset.UtcNow) + "-" + Guid.NewGuid().ToString("N")[..4];
        await silo.Cluster.GetGrain<ISweepGrain>(id).SubmitAsync(new SweepSubmission(Spec, "test", DateTimeOffset.UtcNow));
        return id;
    }

    private List<string> Checkpoints(string sweepId)
    {
        var root = Path.Combine(folder, "sweeps", sweepId);
        try
        {
            return Directory.EnumerateFiles(root, "*.ckpt", SearchOption.AllDirectories).ToList();
        }
        catch (DirectoryNotFoundException)
        {
            // Not there yet, or removed while listed: the worker deletes a finished run's checkpoints (and empty folders).
            return [];
        }
    }

    private static async Task<bool> WaitAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition()) return true;
            await Task.Delay(50);
        }
        throw new TimeoutException($"timed out waiting for {what}");
    }
}
