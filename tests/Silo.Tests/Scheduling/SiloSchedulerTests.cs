using Amber.Grains.Runs;
using Amber.Grains.Specs;
using Amber.Grains.Contracts;
using Amber.Silo.Execution;
using Amber.Silo.Scheduling;
using Amber.Silo.Store.Sqlite;
using Amber.Silo.Tests.Store;
using Amber.Storage.Blobs.FileSystem;

namespace Amber.Silo.Tests.Scheduling;

public sealed class SiloSchedulerTests : IAsyncLifetime
{
    private const string Spec = "name: t\nmethods: [ce, amber2]\nprotocol: {folds: 2, seeds: [7]}\nbudget: {max_parallel_runs: 2}\nretries: 1\n";
    private readonly ManualClock clock = new(TestStores.T0);
    private readonly RecordingCompletionHandler handler = new();
    private SqliteStateStore store = null!;
    private SiloScheduler scheduler = null!;
    private string dir = "";

    public async Task InitializeAsync()
    {
        store = TestStores.Sqlite(out var path);
        dir = Path.GetDirectoryName(path)!;
        await store.MigrateAsync();
        scheduler = new SiloScheduler(store, new FileSystemBlobStore(Path.Combine(dir, "blobs")),
            new SchedulerOptions { LeaseDuration = TimeSpan.FromSeconds(30), HeartbeatTimeout = TimeSpan.FromSeconds(60), ReapInterval = TimeSpan.FromHours(1) },
            clock, handler);
        await scheduler.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await scheduler.DisposeAsync();
        await store.DisposeAsync();
        Directory.Delete(dir, true);
    }

    [Fact]
    public async Task Submission_plans_every_run_and_invalid_documents_list_all_problems()
    {
        var sweep = await scheduler.SubmitAsync(Spec, "t.yaml");
        Assert.Equal(4, sweep.State.PlannedRuns);
        var runs = await store.GetRunsAsync(sweep.State.SweepId);
        Assert.Equal([$"{sweep.State.SweepId}-t000-f1-s7", $"{sweep.State.SweepId}-t000-f2-s7", $"{sweep.State.SweepId}-t001-f1-s7", $"{sweep.State.SweepId}-t001-f2-s7"],
            runs.Select(r => r.State.RunId));
        var ex = await Assert.ThrowsAsync<SweepSpecException>(() => scheduler.SubmitAsync("methods: [x]\nretries: lots", "bad.yaml"));
        Assert.Equal(2, ex.Problems.Count);
        Assert.Single(await store.ListSweepsAsync());
    }

    [Fact]
    public async Task An_expired_lease_is_reaped_into_a_new_attempt_and_the_late_result_refused()
    {
        var sweep = await scheduler.SubmitAsync(Spec, "t.yaml");
        var w1 = await scheduler.RegisterWorkerAsync(new WorkerCapabilities("one"));
        var w2 = await scheduler.RegisterWorkerAsync(new WorkerCapabilities("two"));
        var offer = (await scheduler.LeaseAsync(w1.WorkerId))!;
        Assert.Equal(1, offer.Assignment.Attempt);
        Assert.Equal("ce", offer.Assignment.Parameters.Method);
        Assert.Equal(new RunProtocol("synthetic", "builtin", offer.Assignment.Protocol.Labels, 1, 2, 7, "random"), offer.Assignment.Protocol);
        Assert.Equal($"sweeps/{sweep.State.SweepId}/runs/{offer.Assignment.RunId}/a1/", offer.Assignment.ArtifactPrefix);

        clock.Advance(TimeSpan.FromSeconds(20));
        Assert.True((await scheduler.RenewAsync(w1.WorkerId, offer.Assignment.RunId, 1)).Accepted);
        clock.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(0, await scheduler.ReapAsync());
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, await scheduler.ReapAsync());

        var described = (await scheduler.DescribeRunAsync(offer.Assignment.RunId))!.Value;
        Assert.Equal(RunStatus.Queued, described.Run.State.Status);
        Assert.Contains("lease expired", described.Run.State.LastError, StringComparison.Ordinal);
        Assert.Equal("queued: next in line; waiting for a worker to ask for work", described.PendingReason);

        var again = (await scheduler.LeaseAsync(w2.WorkerId))!;
        Assert.Equal((offer.Assignment.RunId, 2), (again.Assignment.RunId, again.Assignment.Attempt));
        var late = await scheduler.CompleteAsync(w1.WorkerId, offer.Assignment.RunId, 1, new RunOutcome([new("test", "all", "bc", 9)], new Dictionary<string, string>(), 1));
        Assert.False(late.Accepted);
        Assert.Contains("stale", late.Reason, StringComparison.Ordinal);
        Assert.True((await scheduler.CompleteAsync(w2.WorkerId, offer.Assignment.RunId, 2, new RunOutcome([new("test", "all", "bc", 0.5)], new Dictionary<string, string>(), 1))).Accepted);
        Assert.Equal([new MetricRow("test", "all", "bc", 0.5)], await store.GetMetricsAsync(offer.Assignment.RunId));
    }

    [Fact]
    public async Task Pending_reasons_explain_budget_and_capacity()
    {
        var sweep = await scheduler.SubmitAsync(Spec, "t.yaml");
        var before = await scheduler.DescribeRunsAsync(sweep.State.SweepId);
        Assert.All(before, r => Assert.Equal("no worker with enough capacity: no live worker is registered", r.PendingReason));
        var w = await scheduler.RegisterWorkerAsync(new WorkerCapabilities("big", Slots: 4));
        await scheduler.LeaseAsync(w.WorkerId);
        await scheduler.LeaseAsync(w.WorkerId);
        Assert.Null(await scheduler.LeaseAsync(w.WorkerId)); // max_parallel_runs: 2
        var after = await scheduler.DescribeRunsAsync(sweep.State.SweepId);
        Assert.Equal([null, null, "budget of parallel runs reached: 2 of 2 runs of the sweep are active", "budget of parallel runs reached: 2 of 2 runs of the sweep are active"],
            after.Select(r => r.PendingReason));
    }

    [Fact]
    public async Task Retries_run_out_into_a_failed_run_and_the_completion_hook_sees_every_trial_and_the_sweep()
    {
        var sweep = await scheduler.SubmitAsync(Spec, "t.yaml");
        string id = sweep.State.SweepId;
        var w = await scheduler.RegisterWorkerAsync(new WorkerCapabilities("w", Slots: 2));
        int commits = 0;
        while (await scheduler.LeaseAsync(w.WorkerId) is { } offer)
        {
            var a = offer.Assignment;
            if (a.RunId.EndsWith("-t001-f2-s7", StringComparison.Ordinal))
                await scheduler.FailAsync(w.WorkerId, a.RunId, a.Attempt, $"diverged on attempt {a.Attempt}");
            else
            {
                await scheduler.CompleteAsync(w.WorkerId, a.RunId, a.Attempt, new RunOutcome([new("test", "all", "bc", a.Protocol.Fold)], new Dictionary<string, string>(), 1));
                commits++;
            }
        }
        Assert.Equal(3, commits);
        var done = await scheduler.WaitForSweepAsync(id).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(("failed", 3, 1, 4), (done.State.Status.ToString().ToLowerInvariant(), done.State.Succeeded, done.State.Failed, done.State.Finished));
        var failed = (await store.GetRunAsync($"{id}-t001-f2-s7"))!.State;
        Assert.Equal((RunStatus.Failed, 2), (failed.Status, failed.Attempt));
        Assert.Contains("diverged on attempt 2", failed.LastError, StringComparison.Ordinal);

        Assert.Equal(2, handler.Trials.Count);
        var ce = handler.Trials.Single(t => t.Parameters.Method == "ce");
        Assert.Equal("succeeded", ce.Status);
        Assert.Equal([1.0, 2.0], ce.Runs.Select(r => r.Metrics.Single().Value).Order());
        var amber = handler.Trials.Single(t => t.Parameters.Method == "amber2");
        Assert.Equal("failed", amber.Status);
        Assert.Contains(amber.Runs, r => r.Status == "failed" && r.FailureReason!.Contains("diverged", StringComparison.Ordinal) && r.Metrics.Count == 0);
        var summary = Assert.Single(handler.Sweeps);
        Assert.Equal((id, "failed", $"sweeps/{id}/", 2), (summary.SweepId, summary.Status, summary.OutputPrefix, summary.Trials.Count));
        Assert.Equal(Spec, summary.SpecText);
    }

    [Fact]
    public async Task A_failing_completion_handler_is_recorded_on_the_sweep_without_touching_its_runs()
    {
        var failing = new RecordingCompletionHandler(failSweep: true);
        await using var other = new SiloScheduler(store, scheduler.Blobs, scheduler.Options, clock, failing);
        await other.StartAsync();
        var sweep = await other.SubmitAsync("method: ce\nprotocol: {folds: [1], seeds: 1}\n", "t.yaml");
        var w = await other.RegisterWorkerAsync(new WorkerCapabilities("w"));
        var offer = (await other.LeaseAsync(w.WorkerId))!;
        await other.CompleteAsync(w.WorkerId, offer.Assignment.RunId, 1, RunOutcome.Empty);
        var done = await other.WaitForSweepAsync(sweep.State.SweepId).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal("IOException: summary.parquet: disk full", done.CompletionError);
        Assert.Equal((Grains.Sweeps.SweepStatus.Succeeded, 1), (done.State.Status, done.State.Succeeded));
        Assert.Single(failing.Trials);
    }

    [Fact]
    public async Task A_silent_worker_is_declared_lost_and_cannot_lease()
    {
        await scheduler.SubmitAsync(Spec, "t.yaml");
        var w = await scheduler.RegisterWorkerAsync(new WorkerCapabilities("quiet"));
        clock.Advance(TimeSpan.FromSeconds(59));
        Assert.True(await scheduler.HeartbeatAsync(w.WorkerId));
        clock.Advance(TimeSpan.FromSeconds(61));
        await scheduler.ReapAsync();
        Assert.Equal(Grains.Workers.WorkerStatus.Lost, (await store.GetWorkerAsync(w.WorkerId))!.State.Status);
        Assert.Null(await scheduler.LeaseAsync(w.WorkerId));
        Assert.True(await scheduler.HeartbeatAsync(w.WorkerId)); // it comes back
        Assert.NotNull(await scheduler.LeaseAsync(w.WorkerId));
        Assert.False(await scheduler.HeartbeatAsync("wk-unknown"));
    }

    [Fact]
    public async Task Cancelling_finishes_the_sweep_with_all_runs_cancelled()
    {
        var sweep = await scheduler.SubmitAsync(Spec, "t.yaml");
        var w = await scheduler.RegisterWorkerAsync(new WorkerCapabilities("w"));
        var offer = (await scheduler.LeaseAsync(w.WorkerId))!;
        Assert.True(await scheduler.CancelSweepAsync(sweep.State.SweepId, "user"));
        Assert.False(await scheduler.CancelSweepAsync("sw-missing", "user"));
        var done = await scheduler.WaitForSweepAsync(sweep.State.SweepId).WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal((Grains.Sweeps.SweepStatus.Cancelled, 4, 0), (done.State.Status, done.State.Cancelled, done.State.ActiveRuns));
        Assert.False((await scheduler.RenewAsync(w.WorkerId, offer.Assignment.RunId, 1)).Accepted);
    }
}
