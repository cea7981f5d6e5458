using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Amber.Grains;
using Amber.Grains.Runs;
using Amber.Grains.Scheduling;
using Amber.Grains.Specs;
using Amber.Grains.Sweeps;
using Amber.Grains.Trials;
using Amber.Grains.Workers;
using Amber.Grains.Contracts;
using Amber.Silo.Execution;
using Amber.Silo.Store;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Amber.Silo.Scheduling;

/// <summary>
/// The silo's scheduler: submits sweeps, registers workers, hands out and takes back leases, and routes the grains'
/// events (trial/sweep finished → completion handler; everything → <see cref="Events"/>). Stateless apart from caches:
/// every decision is made by the grains on rows the store loaded, so several silos can share one database.
/// </summary>
public sealed class SiloScheduler : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, SweepSpec> specs = new(StringComparer.Ordinal);
    private readonly TimeProvider clock;
    private readonly ILogger logger;
    private readonly CompletionDispatcher completion;
    private readonly CancellationTokenSource stopping = new();
    private Task? reaper;
    private int started;

    /// <summary>Creates a scheduler over a migrated <paramref name="store"/>.</summary>
    public SiloScheduler(IStateStore store, Storage.Blobs.IBlobStore blobs, SchedulerOptions? options = null, TimeProvider? clock = null,
        ISweepCompletionHandler? completionHandler = null, ILogger<SiloScheduler>? logger = null)
    {
        Store = store;
        Blobs = blobs;
        Options = options ?? new SchedulerOptions();
        this.clock = clock ?? TimeProvider.System;
        this.logger = (ILogger?)logger ?? NullLogger.Instance;
        completion = new CompletionDispatcher(this, completionHandler, this.logger);
    }

    /// <summary>The state store.</summary>
    public IStateStore Store { get; }

    /// <summary>The artifact store handed to executors and completion handlers.</summary>
    public Storage.Blobs.IBlobStore Blobs { get; }

    /// <summary>Timing.</summary>
    public SchedulerOptions Options { get; }

    /// <summary>Run, trial and sweep events as they are committed.</summary>
    public SiloEventHub Events { get; } = new();

    /// <summary>The current time of the injected clock.</summary>
    public DateTimeOffset Now => clock.GetUtcNow();

    /// <summary>Starts the reaper loop and re-dispatches completion of sweeps that finished while no silo handled them.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref started, 1) == 1) return; // the HTTP host and an embedded owner may both start it
        completion.Start(stopping.Token);
        foreach (var id in await Store.GetUnhandledFinishedSweepsAsync(cancellationToken).ConfigureAwait(false))
            completion.EnqueueSweep(id, includeTrials: true);
        reaper = Task.Run(() => ReapLoopAsync(stopping.Token), CancellationToken.None);
    }

    /// <summary>Validates, plans and stores a sweep. Throws <see cref="SweepSpecException"/> listing every problem.</summary>
    public async Task<SweepRecord> SubmitAsync(string specText, string source, CancellationToken cancellationToken = default)
    {
        var spec = SweepSpecParser.Parse(specText, source);
        var now = Now;
        var plan = SweepPlanner.Plan(SweepPlanner.NewSweepId(now), spec, specText, now);
        await Store.CreateSweepAsync(plan, cancellationToken).ConfigureAwait(false);
        specs[plan.Sweep.SweepId] = spec;
        logger.LogInformation("sweep {Sweep} '{Name}' submitted: {Trials} trials, {Runs} runs", plan.Sweep.SweepId, spec.Name, plan.Trials.Count, plan.Runs.Count);
        return new SweepRecord(plan.Sweep, specText, null, null);
    }

    /// <summary>Cancels a sweep and its unfinished runs. False when the sweep does not exist.</summary>
    public async Task<bool> CancelSweepAsync(string sweepId, string reason, CancellationToken cancellationToken = default)
    {
        if (await Store.GetSweepAsync(sweepId, cancellationToken).ConfigureAwait(false) is null) return false;
        var d = await Store.ApplySweepAsync(sweepId, new CancelSweep(reason, Now), cancellationToken).ConfigureAwait(false);
        if (d.Verdict != Verdict.Accepted) return true;
        foreach (var runId in await Store.GetUnfinishedRunIdsAsync(sweepId, cancellationToken).ConfigureAwait(false))
        {
            var changes = await Store.ApplyRunAsync(runId, new CancelRun(reason), Now, cancellationToken: cancellationToken).ConfigureAwait(false);
            Route(changes.Events);
        }
        return true;
    }

    /// <summary>Registers a worker; its token is returned once and stored only as a hash.</summary>
    public async Task<WorkerRegistration> RegisterWorkerAsync(WorkerCapabilities capabilities, CancellationToken cancellationToken = default)
    {
        if (capabilities.Slots < 1) throw new ArgumentOutOfRangeException(nameof(capabilities), capabilities.Slots, "slots must be at least 1");
        string id = "wk-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(5));
        string token = id + "." + Base64Url(RandomNumberGenerator.GetBytes(32));
        var state = new WorkerState(id, capabilities.Name, capabilities.Slots, capabilities.Cores, capabilities.MemoryMb, capabilities.Gpus,
            WorkerStatus.Alive, 0, Now, 0);
        await Store.RegisterWorkerAsync(state, HashToken(token), cancellationToken).ConfigureAwait(false);
        logger.LogInformation("worker {Worker} '{Name}' registered with {Slots} slot(s)", id, capabilities.Name, capabilities.Slots);
        return new WorkerRegistration(id, token, Options.LeaseDuration.TotalSeconds, Options.HeartbeatInterval.TotalSeconds);
    }

    /// <summary>Records a heartbeat; false when the worker is unknown or has left.</summary>
    public async Task<bool> HeartbeatAsync(string workerId, CancellationToken cancellationToken = default)
    {
        try
        {
            return (await Store.ApplyWorkerAsync(workerId, new Heartbeat(Now), cancellationToken).ConfigureAwait(false)).Verdict != Verdict.Rejected;
        }
        catch (KeyNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Deregisters a worker (its leases lapse and are requeued by the reaper).</summary>
    public async Task DeregisterWorkerAsync(string workerId, CancellationToken cancellationToken = default) =>
        await Store.ApplyWorkerAsync(workerId, new Deregister(), cancellationToken).ConfigureAwait(false);

    /// <summary>Leases the next run for <paramref name="workerId"/>, or null when there is nothing it may take now.</summary>
    public async Task<LeaseOffer?> LeaseAsync(string workerId, CancellationToken cancellationToken = default)
    {
        var grant = await Store.LeaseAsync(workerId, Now, Options.LeaseDuration, cancellationToken).ConfigureAwait(false);
        if (grant is null) return null;
        Route(grant.Events);
        var spec = await SpecAsync(grant.Run.SweepId, cancellationToken).ConfigureAwait(false);
        var run = grant.Run;
        var assignment = new RunAssignment(run.SweepId, run.TrialId, run.RunId, grant.Trial.Index, run.Attempt,
            new GangInfo(run.GangSize, grant.Rank, run.Members.Select(m => m.WorkerId).ToList()), grant.Trial.Parameters,
            new RunProtocol(spec.Corpus, spec.Features, spec.Labels, run.Fold, spec.Protocol.FoldCount, run.Seed, spec.Protocol.Validation),
            ArtifactPrefix(run.SweepId, run.RunId, run.Attempt));
        return new LeaseOffer(assignment, run.Status, Options.LeaseDuration.TotalSeconds);
    }

    /// <summary>Extends the worker's lease of the attempt.</summary>
    public Task<RunAck> RenewAsync(string workerId, string runId, int attempt, CancellationToken cancellationToken = default) =>
        ApplyAsync(runId, new RenewLease(workerId, attempt, Now, Options.LeaseDuration), cancellationToken: cancellationToken);

    /// <summary>Stores one epoch of the learning curve (and renews the lease).</summary>
    public async Task<RunAck> ReportProgressAsync(string workerId, string runId, int attempt, EpochProgress progress, CancellationToken cancellationToken = default)
    {
        var ack = await ApplyAsync(runId, new ReportProgress(workerId, attempt, Now, Options.LeaseDuration), curve: progress, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (ack.Accepted) Events.Publish(new SiloEvent("run-progress", SweepOf(runId), runId, "running", progress));
        return ack;
    }

    /// <summary>Stores metric rows of the current attempt (and renews the lease).</summary>
    public Task<RunAck> RecordMetricsAsync(string workerId, string runId, int attempt, IReadOnlyList<MetricRow> rows, CancellationToken cancellationToken = default) =>
        ApplyAsync(runId, new ReportProgress(workerId, attempt, Now, Options.LeaseDuration), metrics: rows, cancellationToken: cancellationToken);

    /// <summary>Commits the attempt's results; repeats of the same commit are acknowledged without effect.</summary>
    public Task<RunAck> CompleteAsync(string workerId, string runId, int attempt, RunOutcome outcome, CancellationToken cancellationToken = default) =>
        ApplyAsync(runId, new CompleteRun(workerId, attempt), metrics: outcome.Metrics, artifacts: outcome.Artifacts, cancellationToken: cancellationToken);

    /// <summary>Reports the attempt failed; the run is retried or fails for good.</summary>
    public Task<RunAck> FailAsync(string workerId, string runId, int attempt, string reason, CancellationToken cancellationToken = default) =>
        ApplyAsync(runId, new FailRun(workerId, attempt, reason), cancellationToken: cancellationToken);

    /// <summary>One pass of the reaper: lapsed leases are taken back, silent workers declared lost. Returns runs taken back.</summary>
    public async Task<int> ReapAsync(CancellationToken cancellationToken = default)
    {
        var now = Now;
        int taken = 0;
        foreach (var runId in await Store.GetExpiredRunIdsAsync(now, cancellationToken).ConfigureAwait(false))
        {
            var changes = await Store.ApplyRunAsync(runId, new ExpireLeases(now), now, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (changes.Verdict != Verdict.Accepted) continue;
            taken++;
            logger.LogWarning("run {Run} attempt {Attempt}: lease lapsed; {Status}", runId, changes.Run.Attempt, changes.Run.Status.ToWire());
            Route(changes.Events);
        }
        var deadline = now - Options.HeartbeatTimeout;
        foreach (var w in await Store.ListWorkersAsync(cancellationToken).ConfigureAwait(false))
        {
            if (w.Status != WorkerStatus.Alive || w.LastHeartbeat >= deadline) continue;
            var d = await Store.ApplyWorkerAsync(w.WorkerId, new CheckLiveness(deadline), cancellationToken).ConfigureAwait(false);
            if (d.Verdict == Verdict.Accepted) logger.LogWarning("worker {Worker} lost: no heartbeat since {Last:O}", w.WorkerId, w.LastHeartbeat);
        }
        return taken;
    }

    /// <summary>Why a run is where it is: its record and, while it waits, the pending reason.</summary>
    public async Task<(RunRecord Run, string? PendingReason)?> DescribeRunAsync(string runId, CancellationToken cancellationToken = default)
    {
        var run = await Store.GetRunAsync(runId, cancellationToken).ConfigureAwait(false);
        if (run is null) return null;
        if (run.State.Status.IsFinished() || run.State.Status == RunStatus.Running) return (run, null);
        var sweep = (await Store.GetSweepAsync(run.State.SweepId, cancellationToken).ConfigureAwait(false))!.State;
        var workers = await Store.ListWorkersAsync(cancellationToken).ConfigureAwait(false);
        int ahead = await Store.CountQueuedAheadAsync(run, cancellationToken).ConfigureAwait(false);
        return (run, PendingReasons.Explain(run.State, sweep, workers, ahead));
    }

    /// <summary>The pending reasons of every waiting run of a sweep, computed from one snapshot.</summary>
    public async Task<IReadOnlyList<(RunRecord Run, string? PendingReason)>> DescribeRunsAsync(string sweepId, CancellationToken cancellationToken = default)
    {
        var runs = await Store.GetRunsAsync(sweepId, null, cancellationToken).ConfigureAwait(false);
        var sweep = (await Store.GetSweepAsync(sweepId, cancellationToken).ConfigureAwait(false))?.State;
        if (sweep is null) return [];
        var workers = await Store.ListWorkersAsync(cancellationToken).ConfigureAwait(false);
        int ahead = runs.Count == 0 ? 0 : await Store.CountQueuedAheadAsync(runs[0], cancellationToken).ConfigureAwait(false);
        var result = new List<(RunRecord, string?)>(runs.Count);
        foreach (var r in runs)
        {
            result.Add((r, PendingReasons.Explain(r.State, sweep, workers, ahead)));
            if (r.State.Status == RunStatus.Queued) ahead++;
        }
        return result;
    }

    /// <summary>The results of a finished trial, as the completion handler receives them.</summary>
    public async Task<TrialResults> LoadTrialResultsAsync(TrialState trial, CancellationToken cancellationToken = default)
    {
        var runs = await Store.GetRunsAsync(trial.SweepId, trial.TrialId, cancellationToken).ConfigureAwait(false);
        var results = new List<RunResult>(runs.Count);
        foreach (var r in runs)
        {
            var s = r.State;
            var metrics = s.Status == RunStatus.Succeeded ? await Store.GetMetricsAsync(s.RunId, s.Attempt, cancellationToken).ConfigureAwait(false) : [];
            results.Add(new RunResult(s.RunId, s.Fold, s.Seed, s.Status.ToWire(), s.Attempt, metrics, r.Artifacts, s.Status == RunStatus.Succeeded ? null : s.LastError));
        }
        return new TrialResults(trial.SweepId, trial.TrialId, trial.Index, trial.Parameters, trial.Status, results);
    }

    /// <summary>The results of a sweep with all its trials.</summary>
    public async Task<SweepResults?> LoadSweepResultsAsync(string sweepId, CancellationToken cancellationToken = default)
    {
        var sweep = await Store.GetSweepAsync(sweepId, cancellationToken).ConfigureAwait(false);
        if (sweep is null) return null;
        var trials = new List<TrialResults>();
        foreach (var t in await Store.GetTrialsAsync(sweepId, cancellationToken).ConfigureAwait(false))
            trials.Add(await LoadTrialResultsAsync(t, cancellationToken).ConfigureAwait(false));
        return new SweepResults(sweepId, sweep.State.Name, sweep.State.Status.ToWire(), $"sweeps/{sweepId}/", sweep.SpecText, trials);
    }

    /// <summary>Waits until the sweep's completion handler has run (or the sweep is finished and handled already).</summary>
    public async Task<SweepRecord> WaitForSweepAsync(string sweepId, CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var events = Events.Subscribe(cts.Token);
        try
        {
            while (true)
            {
                var s = await Store.GetSweepAsync(sweepId, cancellationToken).ConfigureAwait(false)
                        ?? throw new KeyNotFoundException($"sweep '{sweepId}' does not exist");
                if (s.HandledAt is not null) return s;
                // Wake on the completion event, and re-read at least every second in case another silo handled it.
                using var tick = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                tick.CancelAfter(TimeSpan.FromSeconds(1));
                try
                {
                    while (await events.WaitToReadAsync(tick.Token).ConfigureAwait(false))
                        while (events.TryRead(out var e))
                            if (e.Kind == "sweep-completed" && e.SweepId == sweepId) goto reread;
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested) { }
                reread:;
            }
        }
        finally
        {
            await cts.CancelAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The blob prefix of one attempt.</summary>
    public static string ArtifactPrefix(string sweepId, string runId, int attempt) => $"sweeps/{sweepId}/runs/{runId}/a{attempt}/";

    /// <summary>SHA-256 of a token, hex: what the store keeps instead of the token.</summary>
    public static string HashToken(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync().ConfigureAwait(false);
        if (reaper is not null) await reaper.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await completion.StopAsync().ConfigureAwait(false);
        stopping.Dispose();
    }

    internal void PublishCompleted(string sweepId, string status) => Events.Publish(new SiloEvent("sweep-completed", sweepId, Status: status));

    private async Task<RunAck> ApplyAsync(string runId, RunCommand command, IReadOnlyList<MetricRow>? metrics = null, EpochProgress? curve = null,
        IReadOnlyDictionary<string, string>? artifacts = null, CancellationToken cancellationToken = default)
    {
        var changes = await Store.ApplyRunAsync(runId, command, Now, metrics, curve, artifacts, cancellationToken).ConfigureAwait(false);
        Route(changes.Events);
        var r = changes.Run;
        string? reason = changes.Reason;
        return new RunAck(changes.Verdict != Verdict.Rejected, r.Status, r.Attempt, r.Members.Select(m => m.WorkerId).ToList(), reason);
    }

    private async Task<SweepSpec> SpecAsync(string sweepId, CancellationToken ct)
    {
        if (specs.TryGetValue(sweepId, out var spec)) return spec;
        var record = await Store.GetSweepAsync(sweepId, ct).ConfigureAwait(false) ?? throw new KeyNotFoundException($"sweep '{sweepId}' does not exist");
        return specs[sweepId] = SweepSpecParser.Parse(record.SpecText, $"sweep {sweepId}");
    }

    private void Route(IEnumerable<GrainEvent> events)
    {
        foreach (var e in events)
        {
            switch (e)
            {
                case RunStarted s:
                    Events.Publish(new SiloEvent("run-started", SweepOf(s.RunId), s.RunId, "running"));
                    break;
                case RunRequeued q:
                    Events.Publish(new SiloEvent("run-requeued", q.SweepId, q.RunId, "queued", Detail: q.Reason));
                    break;
                case RunFinished f:
                    Events.Publish(new SiloEvent("run-finished", f.SweepId, f.RunId, f.Status.ToWire(), Detail: f.Reason));
                    break;
                case TrialFinished t:
                    Events.Publish(new SiloEvent("trial-finished", t.SweepId, Status: t.Status, Detail: t.TrialId));
                    completion.EnqueueTrial(t.TrialId, t.SweepId);
                    break;
                case SweepFinished s:
                    Events.Publish(new SiloEvent("sweep-finished", s.SweepId, Status: s.Status.ToWire()));
                    completion.EnqueueSweep(s.SweepId, includeTrials: false);
                    break;
            }
        }
    }

    // Run ids start with their sweep id: "{sweep}-t000-f1-s1".
    private static string SweepOf(string runId) => runId[..runId.LastIndexOf("-t", StringComparison.Ordinal)];

    private async Task ReapLoopAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await ReapAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The next pass retries; a broken database shows up in every API call as well.
                logger.LogError(ex, "reaper pass failed");
            }
            try
            {
                await Task.Delay(Options.ReapInterval, clock, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
