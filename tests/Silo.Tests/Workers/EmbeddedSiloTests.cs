using System.Collections.Concurrent;
using Amber.Grains.Contracts;
using Amber.Silo.Embedded;
using Amber.Silo.Execution;
using Amber.Silo.Scheduling;
using Amber.Silo.Tests.Scheduling;

namespace Amber.Silo.Tests.Workers;

public sealed class EmbeddedSiloTests : IAsyncLifetime
{
    private readonly string dir = Path.Combine(Path.GetTempPath(), "amber-silo-tests", Guid.NewGuid().ToString("N"));

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        if (Directory.Exists(dir)) Directory.Delete(dir, true);
        return Task.CompletedTask;
    }

    private EmbeddedSiloOptions Options(IRunExecutor executor, ISweepCompletionHandler? handler = null, int workers = 3) => new()
    {
        Directory = dir,
        Executor = executor,
        CompletionHandler = handler,
        Workers = workers,
        IdlePollInterval = TimeSpan.FromMilliseconds(10),
    };

    [Fact]
    public async Task A_sweep_runs_to_completion_on_in_process_workers_with_curves_metrics_and_events()
    {
        var handler = new RecordingCompletionHandler();
        await using var silo = await EmbeddedSilo.StartAsync(Options(new NoOpRunExecutor(epochs: 3, metricRows: 2), handler));
        // Subscribed before submitting: the workers start on the sweep at once, and events are not replayed.
        using var stop = new CancellationTokenSource();
        var reader = silo.Scheduler.Events.Subscribe(stop.Token);
        var sweep = await silo.SubmitSweepAsync("name: e2e\nmethods: [ce, amber2]\nprotocol: {folds: 3, seeds: [1, 2]}\nbudget: {max_parallel_runs: 4}\n");
        string id = sweep.State.SweepId;
        var events = new ConcurrentQueue<SiloEvent>();
        var watching = Task.Run(async () =>
        {
            await foreach (var e in reader.ReadAllAsync())
            {
                if (e.SweepId != id) continue;
                events.Enqueue(e);
                if (e.Kind == "sweep-completed") return;
            }
        });

        var results = await silo.WaitForSweepAsync(id).WaitAsync(TimeSpan.FromSeconds(60));
        await watching.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(("succeeded", 2), (results.Status, results.Trials.Count));
        Assert.All(results.Trials, t => Assert.Equal(6, t.Runs.Count));
        Assert.All(results.Trials.SelectMany(t => t.Runs), r => Assert.Equal(("succeeded", 1, 2), (r.Status, r.Attempt, r.Metrics.Count)));
        var progress = await silo.GetProgressAsync(id);
        Assert.Equal(new SweepProgress(id, "succeeded", 12, 12, 0, 0, 0, 0, true), progress);
        var run = results.Trials[0].Runs[0];
        // The no-op executor reports loss = 1/epoch for three epochs.
        Assert.Equal([1.0, 0.5, 1.0 / 3], (await silo.Scheduler.Store.GetCurveAsync(run.RunId)).Select(p => p.Value));
        Assert.Equal(12, events.Count(e => e.Kind == "run-finished"));
        Assert.Equal(36, events.Count(e => e.Kind == "run-progress"));
        Assert.Equal(2, events.Count(e => e.Kind == "trial-finished"));
        Assert.Equal("sweep-completed", events.Last().Kind);
        Assert.Single(handler.Sweeps);
        // WatchAsync on a completed sweep ends at once.
        await foreach (var e in silo.WatchAsync(id)) Assert.Fail($"unexpected event {e}");
        Assert.Equal(3, (await silo.Scheduler.Store.ListWorkersAsync()).Count);
    }

    /// <summary>Fails the first attempt of every run after saving a checkpoint; the retry must resume from it.</summary>
    private sealed class FlakyExecutor : IRunExecutor
    {
        public ConcurrentDictionary<string, int> Resumed { get; } = new();

        public async Task<RunOutcome> ExecuteAsync(RunAssignment run, IRunContext context, CancellationToken cancellationToken)
        {
            var checkpoint = await context.LoadLatestCheckpointAsync(cancellationToken);
            if (run.Attempt == 1)
            {
                Assert.Null(checkpoint);
                await context.SaveCheckpointAsync(4, new byte[] { 1, 2, 3 }, cancellationToken);
                await context.SaveCheckpointAsync(12, new byte[] { 4, 5 }, cancellationToken);
                throw new InvalidOperationException("simulated crash after epoch 12");
            }
            Resumed[run.RunId] = checkpoint!.Epoch * 100 + checkpoint.Bytes.Sum(b => b);
            await context.RecordMetricsAsync([new MetricRow("val", "all", "js", 0.25)], cancellationToken);
            return new RunOutcome([new MetricRow("test", "all", "bc", 0.75)], new Dictionary<string, string> { ["metrics"] = run.ArtifactPrefix + "metrics.parquet" }, 13);
        }
    }

    [Fact]
    public async Task A_failed_attempt_is_retried_and_resumes_from_the_runs_latest_checkpoint()
    {
        var executor = new FlakyExecutor();
        await using var silo = await EmbeddedSilo.StartAsync(Options(executor));
        var sweep = await silo.SubmitSweepAsync("method: amber2\nprotocol: {folds: 2, seeds: 1}\nretries: 1\n");
        var results = await silo.WaitForSweepAsync(sweep.State.SweepId).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal("succeeded", results.Status);
        var runs = results.Trials.Single().Runs;
        Assert.All(runs, r => Assert.Equal(2, r.Attempt));
        Assert.All(runs, r => Assert.Equal(1209, executor.Resumed[r.RunId])); // epoch 12, bytes 4 + 5
        Assert.All(runs, r => Assert.Equal([new MetricRow("test", "all", "bc", 0.75), new MetricRow("val", "all", "js", 0.25)], r.Metrics));
        Assert.All(runs, r => Assert.EndsWith("/a2/metrics.parquet", r.Artifacts["metrics"], StringComparison.Ordinal));
    }

    private sealed class AlwaysFails : IRunExecutor
    {
        public Task<RunOutcome> ExecuteAsync(RunAssignment run, IRunContext context, CancellationToken cancellationToken) =>
            throw new DivideByZeroException($"fold {run.Protocol.Fold} cannot train");
    }

    [Fact]
    public async Task A_run_that_keeps_failing_fails_with_its_reason_and_the_sweep_still_finishes_exactly()
    {
        await using var silo = await EmbeddedSilo.StartAsync(Options(new AlwaysFails(), workers: 2));
        var sweep = await silo.SubmitSweepAsync("method: ce\nprotocol: {folds: [2], seeds: 1}\nretries: 2\n");
        var results = await silo.WaitForSweepAsync(sweep.State.SweepId).WaitAsync(TimeSpan.FromSeconds(60));
        var run = Assert.Single(results.Trials.Single().Runs);
        Assert.Equal(("failed", 3), (run.Status, run.Attempt));
        Assert.Contains("DivideByZeroException: fold 2 cannot train", run.FailureReason, StringComparison.Ordinal);
        var progress = await silo.GetProgressAsync(sweep.State.SweepId);
        Assert.Equal((1, 1, 0), (progress.PlannedRuns, progress.Failed, progress.Succeeded));
    }

    [Fact]
    public async Task State_survives_a_restart_of_the_embedded_silo()
    {
        string id;
        await using (var silo = await EmbeddedSilo.StartAsync(Options(new NoOpRunExecutor())))
        {
            id = (await silo.SubmitSweepAsync("method: soft\nprotocol: {folds: 2, seeds: 1}\n")).State.SweepId;
            await silo.WaitForSweepAsync(id).WaitAsync(TimeSpan.FromSeconds(60));
        }
        await using var again = await EmbeddedSilo.StartAsync(Options(new NoOpRunExecutor()));
        var progress = await again.GetProgressAsync(id);
        Assert.Equal(("succeeded", 2, true), (progress.Status, progress.Succeeded, progress.Completed));
        Assert.True(File.Exists(Path.Combine(dir, "state.db")));
    }
}
