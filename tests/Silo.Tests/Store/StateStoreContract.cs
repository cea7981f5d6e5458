using Amber.Grains;
using Amber.Grains.Runs;
using Amber.Grains.Sweeps;
using Amber.Grains.Trials;
using Amber.Grains.Workers;
using Amber.Grains.Contracts;
using Amber.Silo.Execution;
using Amber.Silo.Store;
using static Amber.Silo.Tests.Store.TestStores;

namespace Amber.Silo.Tests.Store;

/// <summary>The contract every state store backend passes; derived once per backend.</summary>
public abstract class StateStoreContract : IAsyncLifetime
{
    protected static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    protected IStateStore Store { get; private set; } = null!;

    /// <summary>A new, empty, migrated store for one test.</summary>
    protected abstract Task<IStateStore> CreateStoreAsync();

    /// <summary>A second store on the same database, as a second silo would open it.</summary>
    protected abstract Task<IStateStore> OpenSecondSiloAsync();

    public async Task InitializeAsync()
    {
        Store = await CreateStoreAsync();
        await Store.MigrateAsync();
    }

    public virtual async Task DisposeAsync() => await Store.DisposeAsync();

    [Fact]
    public async Task Migrations_are_versioned_and_idempotent()
    {
        Assert.Equal(1, await Store.GetSchemaVersionAsync());
        await Store.MigrateAsync();
        Assert.Equal(1, await Store.GetSchemaVersionAsync());
        await using var second = await OpenSecondSiloAsync();
        await second.MigrateAsync();
        Assert.Equal(1, await second.GetSchemaVersionAsync());
    }

    [Fact]
    public async Task A_created_sweep_reads_back_with_trials_and_runs_in_queue_order()
    {
        var sweep = Sweep("sw-a", methods: 2, folds: 3, seeds: 2);
        await Store.CreateSweepAsync(sweep);
        var read = await Store.GetSweepAsync("sw-a");
        Assert.NotNull(read);
        Assert.Equal(sweep.Sweep, read.State);
        Assert.Equal(sweep.SpecText, read.SpecText);
        Assert.Null(read.HandledAt);
        var trials = await Store.GetTrialsAsync("sw-a");
        Assert.Equal(sweep.Trials, trials);
        Assert.Equal("amber2", trials[1].Parameters.Method);
        var runs = await Store.GetRunsAsync("sw-a");
        Assert.Equal(sweep.Runs.Select(r => r.RunId), runs.Select(r => r.State.RunId));
        Assert.Equal(sweep.Runs, runs.Select(r => r.State));
        Assert.Equal(6, (await Store.GetRunsAsync("sw-a", trials[1].TrialId)).Count);
        Assert.Null(await Store.GetSweepAsync("nope"));
        Assert.Null(await Store.GetRunAsync("nope"));
        Assert.Equal(["sw-a"], (await Store.ListSweepsAsync()).Select(s => s.State.SweepId));
    }

    [Fact]
    public async Task Leases_follow_the_queue_respect_slots_and_budget_and_count_the_queue_ahead()
    {
        await Store.CreateSweepAsync(Sweep("sw-old", folds: 2, parallel: 1, at: T0));
        await Store.CreateSweepAsync(Sweep("sw-new", folds: 2, at: T0.AddSeconds(1)));
        Assert.Null(await Store.LeaseAsync("ghost", T0, Lease)); // unregistered
        await Store.RegisterWorkerAsync(Worker("w1", slots: 3), "h1");
        var runs = (await Store.GetRunsAsync("sw-new")).ToList();
        Assert.Equal(3, await Store.CountQueuedAheadAsync(runs[1]));

        var first = await Store.LeaseAsync("w1", T0, Lease);
        Assert.Equal("sw-old-t000-f1-s1", first!.Run.RunId);
        Assert.Equal(RunStatus.Running, first.Run.Status);
        Assert.Equal(1, first.Run.Attempt);
        Assert.Contains(first.Events, e => e is RunStarted);
        // sw-old is at its parallel budget of 1: the next lease skips to sw-new.
        Assert.Equal("sw-new-t000-f1-s1", (await Store.LeaseAsync("w1", T0, Lease))!.Run.RunId);
        Assert.Equal("sw-new-t000-f2-s1", (await Store.LeaseAsync("w1", T0, Lease))!.Run.RunId);
        Assert.Null(await Store.LeaseAsync("w1", T0, Lease)); // three slots busy
        Assert.Equal(3, (await Store.GetWorkerAsync("w1"))!.State.ActiveRuns);
        Assert.Equal(1, (await Store.GetSweepAsync("sw-old"))!.State.ActiveRuns);
        var held = (await Store.GetRunAsync("sw-new-t000-f1-s1"))!;
        Assert.Equal(T0 + Lease, held.State.LeaseExpiresAt);
    }

    [Fact]
    public async Task Completion_stores_metrics_once_per_attempt_and_refuses_stale_or_duplicate_commits()
    {
        await Store.CreateSweepAsync(Sweep("sw-c", folds: 1));
        await Store.RegisterWorkerAsync(Worker("w1"), "h");
        var g = (await Store.LeaseAsync("w1", T0, Lease))!;
        MetricRow[] rows = [new("test", "all", "bc", 0.8), new("test", "high", "bc", 0.7)];
        var done = await Store.ApplyRunAsync(g.Run.RunId, new CompleteRun("w1", 1), T0, rows, artifacts: new Dictionary<string, string> { ["metrics"] = "x/metrics.parquet" });
        Assert.Equal(Verdict.Accepted, done.Verdict);
        Assert.Contains(done.Events, e => e is SweepFinished { Status: SweepStatus.Succeeded });
        Assert.Contains(done.Events, e => e is TrialFinished);
        var again = await Store.ApplyRunAsync(g.Run.RunId, new CompleteRun("w1", 1), T0, [new("test", "all", "bc", 0.1)]);
        Assert.Equal(Verdict.NoChange, again.Verdict);
        Assert.Equal(rows.OrderBy(r => r.Level), await Store.GetMetricsAsync(g.Run.RunId));
        Assert.Equal(2, await Store.CountMetricRowsAsync());
        Assert.Equal("x/metrics.parquet", (await Store.GetRunAsync(g.Run.RunId))!.Artifacts["metrics"]);
        var late = await Store.ApplyRunAsync(g.Run.RunId, new FailRun("w1", 1, "late"), T0);
        Assert.Equal(Verdict.Rejected, late.Verdict);
        var sweep = (await Store.GetSweepAsync("sw-c"))!.State;
        Assert.Equal((SweepStatus.Succeeded, 1, 0, 0), (sweep.Status, sweep.Succeeded, sweep.ActiveRuns, (await Store.GetWorkerAsync("w1"))!.State.ActiveRuns));
        Assert.Equal(["sw-c"], await Store.GetUnhandledFinishedSweepsAsync());
        await Store.MarkCompletionHandledAsync("sw-c", T0, "summary failed: disk full");
        Assert.Empty(await Store.GetUnhandledFinishedSweepsAsync());
        Assert.Equal("summary failed: disk full", (await Store.GetSweepAsync("sw-c"))!.CompletionError);
    }

    [Fact]
    public async Task An_expired_lease_requeues_the_run_as_a_new_attempt_and_the_old_attempt_is_refused()
    {
        await Store.CreateSweepAsync(Sweep("sw-e", folds: 1, retries: 1));
        await Store.RegisterWorkerAsync(Worker("w1"), "h");
        await Store.RegisterWorkerAsync(Worker("w2"), "h");
        var g = (await Store.LeaseAsync("w1", T0, Lease))!;
        Assert.Equal(Verdict.Accepted, (await Store.ApplyRunAsync(g.Run.RunId, new RenewLease("w1", 1, T0.AddSeconds(20), Lease), T0.AddSeconds(20))).Verdict);
        Assert.Empty(await Store.GetExpiredRunIdsAsync(T0.AddSeconds(49)));
        Assert.Equal([g.Run.RunId], await Store.GetExpiredRunIdsAsync(T0.AddSeconds(50)));
        var expired = await Store.ApplyRunAsync(g.Run.RunId, new ExpireLeases(T0.AddSeconds(50)), T0.AddSeconds(50));
        Assert.Equal(RunStatus.Queued, expired.Run.Status);
        Assert.Equal(0, (await Store.GetWorkerAsync("w1"))!.State.ActiveRuns);
        Assert.Equal(0, (await Store.GetSweepAsync("sw-e"))!.State.ActiveRuns);

        var g2 = (await Store.LeaseAsync("w2", T0.AddSeconds(51), Lease))!;
        Assert.Equal(2, g2.Run.Attempt);
        Assert.Equal(Verdict.Rejected, (await Store.ApplyRunAsync(g.Run.RunId, new CompleteRun("w1", 1), T0.AddSeconds(52), [new("test", "all", "bc", 1)])).Verdict);
        Assert.Equal(Verdict.Rejected, (await Store.ApplyRunAsync(g.Run.RunId, new ReportProgress("w1", 1, T0.AddSeconds(52), Lease), T0.AddSeconds(52))).Verdict);
        Assert.Equal(0, await Store.CountMetricRowsAsync());
        var curve = new EpochProgress(1, new Dictionary<string, double> { ["loss"] = 0.5, ["val_js"] = 0.25 });
        Assert.Equal(Verdict.Accepted, (await Store.ApplyRunAsync(g.Run.RunId, new ReportProgress("w2", 2, T0.AddSeconds(53), Lease), T0.AddSeconds(53), curve: curve)).Verdict);
        Assert.Equal([new CurvePoint(2, 1, "loss", 0.5), new CurvePoint(2, 1, "val_js", 0.25)], await Store.GetCurveAsync(g.Run.RunId));
        // Second failure exceeds retries: 1 → failed, reason kept, sweep finished with exactly its one run.
        var failed = await Store.ApplyRunAsync(g.Run.RunId, new FailRun("w2", 2, "out of memory"), T0.AddSeconds(54));
        Assert.Equal(RunStatus.Failed, failed.Run.Status);
        Assert.Contains("out of memory", (await Store.GetRunAsync(g.Run.RunId))!.State.LastError, StringComparison.Ordinal);
        var sweep = (await Store.GetSweepAsync("sw-e"))!.State;
        Assert.Equal((SweepStatus.Failed, 1, 1), (sweep.Status, sweep.Failed, sweep.Finished));
    }

    [Fact]
    public async Task Cancelling_a_sweep_stops_leases_and_finishes_it_once_its_runs_are_cancelled()
    {
        await Store.CreateSweepAsync(Sweep("sw-x", folds: 3));
        await Store.RegisterWorkerAsync(Worker("w1"), "h");
        var g = (await Store.LeaseAsync("w1", T0, Lease))!;
        var d = await Store.ApplySweepAsync("sw-x", new CancelSweep("user", T0));
        Assert.Equal(Verdict.Accepted, d.Verdict);
        Assert.Equal(Verdict.NoChange, (await Store.ApplySweepAsync("sw-x", new CancelSweep("again", T0))).Verdict);
        var unfinished = await Store.GetUnfinishedRunIdsAsync("sw-x");
        Assert.Equal(3, unfinished.Count);
        foreach (var id in unfinished) await Store.ApplyRunAsync(id, new CancelRun("sweep cancelled"), T0);
        var s = (await Store.GetSweepAsync("sw-x"))!.State;
        Assert.Equal((SweepStatus.Cancelled, 3, 0), (s.Status, s.Cancelled, s.ActiveRuns));
        Assert.Equal(0, (await Store.GetWorkerAsync("w1"))!.State.ActiveRuns);
        Assert.Equal(Verdict.Rejected, (await Store.ApplyRunAsync(g.Run.RunId, new CompleteRun("w1", 1), T0)).Verdict);
        await Assert.ThrowsAsync<KeyNotFoundException>(() => Store.ApplySweepAsync("missing", new CancelSweep("x", T0)));
    }

    [Fact]
    public async Task Gang_runs_gather_ranks_from_different_workers_before_running()
    {
        await Store.CreateSweepAsync(Sweep("sw-g", folds: 1, gang: 2));
        await Store.RegisterWorkerAsync(Worker("a"), "h");
        await Store.RegisterWorkerAsync(Worker("b"), "h");
        var ga = (await Store.LeaseAsync("a", T0, Lease))!;
        Assert.Equal((RunStatus.Gathering, 0), (ga.Run.Status, ga.Rank));
        var gb = (await Store.LeaseAsync("b", T0, Lease))!;
        Assert.Equal((RunStatus.Running, 1, ga.Run.RunId), (gb.Run.Status, gb.Rank, gb.Run.RunId));
        Assert.Equal(1, (await Store.GetSweepAsync("sw-g"))!.State.ActiveRuns);
    }

    [Fact]
    public async Task Worker_registration_heartbeats_and_liveness()
    {
        await Store.RegisterWorkerAsync(Worker("w1", slots: 2), "hash-1");
        var rec = (await Store.GetWorkerAsync("w1"))!;
        Assert.Equal(("hash-1", 2, WorkerStatus.Alive), (rec.TokenHash, rec.State.Slots, rec.State.Status));
        await Store.ApplyWorkerAsync("w1", new Heartbeat(T0.AddSeconds(5)));
        var lost = await Store.ApplyWorkerAsync("w1", new CheckLiveness(T0.AddSeconds(6)));
        Assert.Equal(WorkerStatus.Lost, lost.State.Status);
        Assert.Equal(WorkerStatus.Lost, (await Store.ListWorkersAsync()).Single().Status);
        await Store.RegisterWorkerAsync(Worker("w1", slots: 4, at: T0.AddSeconds(7)), "hash-2");
        rec = (await Store.GetWorkerAsync("w1"))!;
        Assert.Equal(("hash-2", 4, WorkerStatus.Alive), (rec.TokenHash, rec.State.Slots, rec.State.Status));
        await Assert.ThrowsAsync<KeyNotFoundException>(() => Store.ApplyWorkerAsync("nobody", new Heartbeat(T0)));
    }

    [Fact]
    public async Task Concurrent_leasing_from_two_silos_hands_every_run_to_exactly_one_worker()
    {
        const int runs = 60;
        await Store.CreateSweepAsync(Sweep("sw-p", methods: 6, folds: 5, seeds: 2, parallel: 1000));
        Assert.Equal(runs, (await Store.GetRunsAsync("sw-p")).Count);
        await using var second = await OpenSecondSiloAsync();
        IStateStore[] silos = [Store, second];
        for (int w = 0; w < 8; w++) await Store.RegisterWorkerAsync(Worker($"w{w}", slots: runs), "h");

        var leased = new System.Collections.Concurrent.ConcurrentBag<(string Run, string Worker)>();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            var silo = silos[w % 2];
            while (await silo.LeaseAsync($"w{w}", T0, Lease) is { } g)
            {
                leased.Add((g.Run.RunId, $"w{w}"));
                // Completing half of them concurrently exercises the finish path under contention too.
                if (leased.Count % 2 == 0) await silo.ApplyRunAsync(g.Run.RunId, new CompleteRun($"w{w}", 1), T0);
            }
        })));
        Assert.Equal(runs, leased.Count);
        Assert.Equal(runs, leased.Select(l => l.Run).Distinct().Count());
        var all = await Store.GetRunsAsync("sw-p");
        Assert.All(all, r => Assert.Equal(1, r.State.Attempt));
        var sweep = (await Store.GetSweepAsync("sw-p"))!.State;
        int running = all.Count(r => r.State.Status == RunStatus.Running);
        Assert.Equal(running, sweep.ActiveRuns);
        Assert.Equal(runs - running, sweep.Succeeded);
        Assert.Equal(running, (await Store.ListWorkersAsync()).Sum(w => w.ActiveRuns));
    }
}
