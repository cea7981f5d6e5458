using System.Collections.Concurrent;
using Amber.Grains.Contracts;
using Amber.Silo.Embedded;
using Amber.Silo.Execution;
using Amber.Silo.Scheduling;
using Amber.Silo.Store.Sqlite;
using Amber.Silo.Tests.Store;
using Amber.Silo.Workers;
using Amber.Storage.Blobs.FileSystem;

namespace Amber.Silo.Tests.Workers;

public sealed class WorkerAgentTests : IAsyncLifetime
{
    private SqliteStateStore store = null!;
    private SiloScheduler scheduler = null!;
    private string dir = "";

    public async Task InitializeAsync()
    {
        store = TestStores.Sqlite(out var path);
        dir = Path.GetDirectoryName(path)!;
        await store.MigrateAsync();
        scheduler = new SiloScheduler(store, new FileSystemBlobStore(Path.Combine(dir, "blobs")),
            new SchedulerOptions { LeaseDuration = TimeSpan.FromMilliseconds(1000), ReapInterval = TimeSpan.FromMilliseconds(50) });
        await scheduler.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await scheduler.DisposeAsync();
        await store.DisposeAsync();
        Directory.Delete(dir, true);
    }

    /// <summary>A network partition for renewals of attempt 1: the silo never hears them, so the lease lapses.</summary>
    private sealed class DropFirstAttemptRenewals(IWorkerProtocol inner) : IWorkerProtocol
    {
        public Task<WorkerRegistration> RegisterAsync(WorkerCapabilities c, CancellationToken ct) => inner.RegisterAsync(c, ct);
        public Task<bool> HeartbeatAsync(CancellationToken ct) => inner.HeartbeatAsync(ct);
        public Task<LeaseOffer?> LeaseAsync(CancellationToken ct) => inner.LeaseAsync(ct);
        public Task<RunAck> RenewAsync(string runId, int attempt, CancellationToken ct) =>
            attempt == 1 ? Task.FromResult(new RunAck(true, Grains.Runs.RunStatus.Running, 1, [], null)) : inner.RenewAsync(runId, attempt, ct);
        public Task<RunAck> ReportProgressAsync(string runId, int attempt, EpochProgress p, CancellationToken ct) => inner.ReportProgressAsync(runId, attempt, p, ct);
        public Task<RunAck> RecordMetricsAsync(string runId, int attempt, IReadOnlyList<MetricRow> rows, CancellationToken ct) => inner.RecordMetricsAsync(runId, attempt, rows, ct);
        public Task<RunAck> CompleteAsync(string runId, int attempt, RunOutcome o, CancellationToken ct) => inner.CompleteAsync(runId, attempt, o, ct);
        public Task<RunAck> FailAsync(string runId, int attempt, string reason, CancellationToken ct) => inner.FailAsync(runId, attempt, reason, ct);
        public Task DeregisterAsync(CancellationToken ct) => inner.DeregisterAsync(ct);
    }

    /// <summary>Attempt 1 outlives its lease and then tries to report; attempt 2 finishes at once.</summary>
    private sealed class SlowFirstAttempt : IRunExecutor
    {
        public ConcurrentBag<string> Dropped { get; } = [];

        public async Task<RunOutcome> ExecuteAsync(RunAssignment run, IRunContext context, CancellationToken cancellationToken)
        {
            if (run.Attempt == 1)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(2500), CancellationToken.None);
                try
                {
                    await context.ReportEpochAsync(new EpochProgress(1, new Dictionary<string, double> { ["loss"] = 99 }), CancellationToken.None);
                }
                catch (LeaseLostException)
                {
                    Dropped.Add(run.RunId);
                    Assert.True(context.Aborted.IsCancellationRequested);
                    throw;
                }
            }
            return new RunOutcome([new MetricRow("test", "all", "attempt", run.Attempt)], new Dictionary<string, string>(), 1);
        }
    }

    [Fact]
    public async Task A_lapsed_attempt_is_refused_dropped_and_its_run_finishes_on_the_next_attempt()
    {
        var executor = new SlowFirstAttempt();
        var sweep = await scheduler.SubmitAsync("method: ce\nprotocol: {folds: [1], seeds: 1}\nretries: 1\n", "t");
        // One worker with two slots: attempt 1 holds one slot past its lease, the retry runs in the other.
        await using (new InProcessWorkerPool(1, _ => new DropFirstAttemptRenewals(new LocalWorkerProtocol(scheduler)), executor, scheduler.Blobs,
                         _ => new WorkerAgentOptions { Capabilities = new WorkerCapabilities("partitioned", Slots: 2), IdlePollInterval = TimeSpan.FromMilliseconds(20) }))
        {
            await scheduler.WaitForSweepAsync(sweep.State.SweepId).WaitAsync(TimeSpan.FromSeconds(30));
        }
        string runId = (await store.GetRunsAsync(sweep.State.SweepId)).Single().State.RunId;
        var run = (await store.GetRunAsync(runId))!.State;
        Assert.Equal((Grains.Runs.RunStatus.Succeeded, 2), (run.Status, run.Attempt));
        Assert.Equal([new MetricRow("test", "all", "attempt", 2)], await store.GetMetricsAsync(runId));
        Assert.Empty(await store.GetCurveAsync(runId, attempt: 1)); // the late epoch of attempt 1 never landed
        Assert.Equal([runId], executor.Dropped);
    }

    /// <summary>Records the gang each rank saw.</summary>
    private sealed class GangRecorder : IRunExecutor
    {
        public ConcurrentBag<(string Run, int Rank, int Size, string Peers)> Seen { get; } = [];

        public Task<RunOutcome> ExecuteAsync(RunAssignment run, IRunContext context, CancellationToken cancellationToken)
        {
            Seen.Add((run.RunId, run.Gang.Rank, run.Gang.Size, string.Join(",", run.Gang.Peers)));
            return Task.FromResult(new RunOutcome([new MetricRow("test", "all", "rank", run.Gang.Rank)], new Dictionary<string, string>(), 1));
        }
    }

    [Fact]
    public async Task A_gang_of_two_starts_only_with_both_workers_and_each_rank_sees_the_same_peers()
    {
        var executor = new GangRecorder();
        var sweep = await scheduler.SubmitAsync("method: amber2\nprotocol: {folds: 2, seeds: 1}\ngang_size: 2\n", "t");
        await using (InProcessWorkerPool.Local(scheduler, 2, executor, _ => new WorkerAgentOptions { IdlePollInterval = TimeSpan.FromMilliseconds(20) }))
        {
            var done = await scheduler.WaitForSweepAsync(sweep.State.SweepId).WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(2, done.State.Succeeded);
        }
        foreach (var run in executor.Seen.GroupBy(s => s.Run))
        {
            Assert.Equal([0, 1], run.Select(s => s.Rank).Order());
            Assert.All(run, s => Assert.Equal(2, s.Size));
            Assert.Single(run.Select(s => s.Peers).Distinct());
            Assert.Equal(2, run.First().Peers.Split(',').Distinct().Count());
        }
        Assert.Equal(2, executor.Seen.Select(s => s.Run).Distinct().Count());
    }
}
