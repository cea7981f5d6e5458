using Amber.Grains.Contracts;
using Amber.Grains.Hosting;
using Amber.Grains.Parameters;
using Amber.Grains.Runs;
using Amber.Grains.Sampling;
using Amber.Grains.Specs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Amber.Grains.Sweeps;

/// <summary>A trial of a sweep as the sweep keeps it.</summary>
[GenerateSerializer]
public sealed record TrialEntry(string TrialId, int Index, TrialParameters Parameters, int PlannedRuns);

/// <summary>
/// A run as its sweep last heard of it. The run grain is the source of truth; this table is the sweep's index over it
/// (grain state is not queryable), kept current by the runs' one-way reports and reconciled by the sweep's reminder.
/// </summary>
[GenerateSerializer]
public sealed class RunEntry
{
    /// <summary>The run as last reported.</summary>
    [Id(0)] public required RunInfo Run { get; set; }
}

/// <summary>The persisted state of a sweep grain.</summary>
[GenerateSerializer]
public sealed class SweepGrainState
{
    /// <summary>The document as submitted (null: no sweep has this id).</summary>
    [Id(0)] public string? SpecText { get; set; }
    /// <summary>Where the document came from.</summary>
    [Id(1)] public string Source { get; set; } = "";
    /// <summary>The name from the spec.</summary>
    [Id(2)] public string Name { get; set; } = "";
    /// <summary>Running, succeeded, failed or cancelled.</summary>
    [Id(3)] public SweepStatus Status { get; set; }
    /// <summary>Submission time.</summary>
    [Id(4)] public DateTimeOffset CreatedAt { get; set; }
    /// <summary>When the last run finished.</summary>
    [Id(5)] public DateTimeOffset? FinishedAt { get; set; }
    /// <summary>Trials by index.</summary>
    [Id(6)] public List<TrialEntry> Trials { get; set; } = [];
    /// <summary>Runs in queue order.</summary>
    [Id(7)] public List<RunEntry> Runs { get; set; } = [];
    /// <summary>The summary was written (or its writing failed for good).</summary>
    [Id(8)] public bool Completed { get; set; }
    /// <summary>Why writing the summary failed.</summary>
    [Id(9)] public string? CompletionError { get; set; }
    /// <summary>Attempts at writing the summary (fencing).</summary>
    [Id(10)] public int SummaryAttempt { get; set; }
    /// <summary>The worker that holds the summary task.</summary>
    [Id(11)] public string? SummaryWorker { get; set; }
    /// <summary>When its hold lapses.</summary>
    [Id(12)] public DateTimeOffset? SummaryLeaseExpiresAt { get; set; }
    /// <summary>Why the sweep was cancelled.</summary>
    [Id(13)] public string? CancelReason { get; set; }
}

/// <summary>
/// One sweep: plans its trials and runs at submission, hands its runs to the scheduler's worker lanes within the
/// parallel budget (gathering gangs first, then the queue in order), counts outcomes by run id, finishes exactly when every
/// planned run is final, and hands out the summary task. A reminder reconciles with the run grains, so a lost one-way
/// report or a silo failure never leaves the sweep waiting.
/// </summary>
public sealed class SweepGrain(
    [PersistentState("sweep", StorageNames.State)] IPersistentState<SweepGrainState> state,
    IOptions<SchedulingOptions> options,
    TimeProvider clock,
    ILogger<SweepGrain> logger) : Grain, ISweepGrain, IRemindable
{
    private const string ReconcileReminder = "reconcile";
    private readonly SchedulingOptions options = options.Value;
    private readonly Dictionary<string, int> index = new(StringComparer.Ordinal);
    private SweepSpec? spec;
    private int queueCursor;
    private bool dirty;
    private IGrainTimer? leaseWatch;
    // Counters over the run table, kept current by RecordAsync so that no hot path scans every run.
    private readonly HashSet<int> gathering = [];
    private int active;
    private int unfinished;
    private int[] trialUnfinished = [];
    private IGrainTimer? flushTimer;
    // The sweep's feature set: runs are handed out only once it is settled; until then its steps are handed out instead.
    private FeatureSetInfo? features;

    private string SweepId => this.GetPrimaryKeyString();

    /// <inheritdoc />
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.SpecText is null) return;
        Load();
        if (!state.State.Completed)
        {
            // After a restart or a failover, leases that lapsed meanwhile are taken back now rather than at the first reminder.
            foreach (var entry in state.State.Runs.Where(e => e.Run.Status.IsActive()).ToList())
            {
                var run = await GrainFactory.GetGrain<IRunGrain>(entry.Run.RunId).CheckLeaseAsync().ConfigureAwait(true);
                if (run is not null) await RecordAsync(run).ConfigureAwait(true);
            }
            await PrepareFeaturesAsync().ConfigureAwait(true);
            await GrainFactory.GetGrain<ISchedulerGrain>(0).WorkAvailableAsync(SweepId).ConfigureAwait(true);
            await EnsureReminderAsync().ConfigureAwait(true);
            WatchLeases();
        }
    }

    private FeatureSetRequest FeatureRequest => new(spec!.Corpus, spec.Features, spec.Labels);

    /// <summary>Asks the sweep's feature-set grain to prepare the set (a no-op when it is already prepared or under way).</summary>
    private async Task PrepareFeaturesAsync()
    {
        if (state.State.Status.IsFinished()) return;
        var request = FeatureRequest;
        features = await GrainFactory.GetGrain<IFeatureSetGrain>(request.Key).PrepareAsync(request, SweepId).ConfigureAwait(true);
    }

    /// <summary>
    /// While the sweep runs, a timer asks every active run whose lease (as last reported) has lapsed to check it. A run grain
    /// takes back its own lapsed lease with its timer, but a run whose silo died has no timer until something calls it; this
    /// watch is that call, every lease period, and needs no reminder service (the reminder is the backup after this
    /// activation itself is lost).
    /// </summary>
    private void WatchLeases()
    {
        var period = options.LeaseDuration < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : options.LeaseDuration;
        leaseWatch ??= this.RegisterGrainTimer(async _ =>
        {
            var s = state.State;
            if (s.Status.IsFinished())
            {
                leaseWatch?.Dispose();
                leaseWatch = null;
                return;
            }
            var now = clock.GetUtcNow();
            foreach (var entry in s.Runs.Where(e => e.Run.Status.IsActive() && e.Run.LeaseExpiresAt < now).ToList())
            {
                try
                {
                    var run = await GrainFactory.GetGrain<IRunGrain>(entry.Run.RunId).CheckLeaseAsync().ConfigureAwait(true);
                    if (run is not null) await RecordAsync(run).ConfigureAwait(true);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning(ex, "sweep {Sweep}: checking the lease of run {Run} failed; next period", SweepId, entry.Run.RunId);
                }
            }
        }, new GrainTimerCreationOptions(period, period) { KeepAlive = true });
    }

    /// <inheritdoc />
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (dirty) await state.WriteStateAsync(cancellationToken).ConfigureAwait(true);
    }

    /// <inheritdoc />
    public async Task<SweepInfo> SubmitAsync(SweepSubmission submission)
    {
        var s = state.State;
        if (s.SpecText is not null)
        {
            if (s.SpecText == submission.SpecText) return Info();
            throw new InvalidOperationException($"sweep {SweepId} exists with another document");
        }
        var parsed = SweepSpecParser.Parse(submission.SpecText, submission.Source);
        var parameters = Samplers.Plan(parsed);
        s.SpecText = submission.SpecText;
        s.Source = submission.Source;
        s.Name = parsed.Name;
        s.CreatedAt = submission.SubmittedAt;
        s.Status = SweepStatus.Running;
        for (int i = 0; i < parameters.Count; i++)
        {
            string trialId = $"{SweepId}-t{i:D3}";
            s.Trials.Add(new TrialEntry(trialId, i, parameters[i], parsed.RunsPerTrial));
            foreach (int fold in parsed.Protocol.Folds)
                foreach (int seed in parsed.Protocol.Seeds)
                    s.Runs.Add(new RunEntry
                    {
                        Run = new RunInfo($"{trialId}-f{fold}-s{seed}", SweepId, trialId, i, fold, seed, RunStatus.Queued, 0, 0, parsed.GangSize, [], null, null,
                            submission.SubmittedAt, new Dictionary<string, string>()),
                    });
        }
        await state.WriteStateAsync().ConfigureAwait(true);
        Load();
        await PrepareFeaturesAsync().ConfigureAwait(true);
        await GrainFactory.GetGrain<ISweepRegistryGrain>(0).AddAsync(SweepId, s.CreatedAt).ConfigureAwait(true);
        await EnsureReminderAsync().ConfigureAwait(true);
        WatchLeases();
        await GrainFactory.GetGrain<ISchedulerGrain>(0).WorkAvailableAsync(SweepId).ConfigureAwait(true);
        logger.LogInformation("sweep {Sweep} '{Name}' submitted: {Trials} trials, {Runs} runs", SweepId, s.Name, s.Trials.Count, s.Runs.Count);
        return Info();
    }

    /// <inheritdoc />
    public Task<SweepInfo?> GetAsync() => Task.FromResult(state.State.SpecText is null ? null : Info());

    /// <inheritdoc />
    public async Task<SweepInfo?> CancelAsync(string reason)
    {
        var s = state.State;
        if (s.SpecText is null) return null;
        if (s.Status.IsFinished()) return Info();
        s.Status = SweepStatus.Cancelled;
        s.CancelReason = reason;
        await state.WriteStateAsync().ConfigureAwait(true);
        await PublishAsync(new SweepEvent("sweep-cancelled", SweepId, Status: "cancelled", Detail: reason)).ConfigureAwait(true);
        foreach (var entry in s.Runs.Where(e => !e.Run.Status.IsFinished()).ToList())
        {
            var run = await GrainFactory.GetGrain<IRunGrain>(entry.Run.RunId).CancelAsync(reason).ConfigureAwait(true);
            // A run that was never leased has no grain state: it is cancelled here, where it is planned.
            await RecordAsync(run ?? entry.Run with { Status = RunStatus.Cancelled, LastError = reason, UpdatedAt = clock.GetUtcNow() }).ConfigureAwait(true);
        }
        await FlushAsync().ConfigureAwait(true);
        return Info();
    }

    /// <inheritdoc />
    public Task<string?> GetSpecTextAsync() => Task.FromResult(state.State.SpecText);

    /// <inheritdoc />
    public Task<IReadOnlyList<TrialInfo>> GetTrialsAsync()
    {
        var s = state.State;
        var byTrial = s.Runs.GroupBy(e => e.Run.TrialIndex).ToDictionary(g => g.Key, g => g.Select(e => e.Run.Status).ToList());
        IReadOnlyList<TrialInfo> trials = s.Trials.Select(t =>
        {
            var statuses = byTrial.GetValueOrDefault(t.Index) ?? [];
            int ok = statuses.Count(x => x == RunStatus.Succeeded), failed = statuses.Count(x => x == RunStatus.Failed), cancelled = statuses.Count(x => x == RunStatus.Cancelled);
            return new TrialInfo(t.TrialId, t.Index, TrialStatus(t.PlannedRuns, ok, failed, cancelled), t.Parameters.ToJson(), t.PlannedRuns, ok, failed, cancelled);
        }).ToList();
        return Task.FromResult(trials);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<SweepRunInfo>> GetRunsAsync()
    {
        int queued = 0;
        var list = new List<SweepRunInfo>(state.State.Runs.Count);
        foreach (var e in state.State.Runs)
        {
            list.Add(new SweepRunInfo(e.Run, e.Run.Status == RunStatus.Queued ? queued : -1));
            if (e.Run.Status == RunStatus.Queued) queued++;
        }
        return Task.FromResult<IReadOnlyList<SweepRunInfo>>(list);
    }

    /// <inheritdoc />
    public async Task<SweepResults?> GetResultsAsync()
    {
        var s = state.State;
        if (s.SpecText is null) return null;
        // The committed results live in the run grains: ask the finished ones, many at a time (a sweep may have 50,000).
        var finished = s.Runs.Where(e => e.Run.Status.IsFinished()).Select(e => e.Run).ToList();
        var results = new Dictionary<string, RunResult?>(finished.Count, StringComparer.Ordinal);
        foreach (var batch in finished.Where(r => r.Attempt > 0).Chunk(512))
        {
            var answers = await Task.WhenAll(batch.Select(r => GrainFactory.GetGrain<IRunGrain>(r.RunId).GetResultAsync())).ConfigureAwait(true);
            for (int i = 0; i < batch.Length; i++) results[batch[i].RunId] = answers[i];
        }
        var trials = new List<TrialResults>(s.Trials.Count);
        var runsByTrial = finished.GroupBy(r => r.TrialIndex).ToDictionary(g => g.Key, g => g.ToList());
        foreach (var t in s.Trials)
        {
            var runs = (runsByTrial.GetValueOrDefault(t.Index) ?? [])
                .Select(r => results.GetValueOrDefault(r.RunId) ?? new RunResult(r.RunId, r.Fold, r.Seed, r.Status.ToWire(), r.Attempt, [], new Dictionary<string, string>(), r.LastError))
                .ToList();
            int ok = runs.Count(x => x.Status == "succeeded"), failed = runs.Count(x => x.Status == "failed"), cancelled = runs.Count(x => x.Status == "cancelled");
            trials.Add(new TrialResults(SweepId, t.TrialId, t.Index, t.Parameters, TrialStatus(t.PlannedRuns, ok, failed, cancelled), runs));
        }
        return new SweepResults(SweepId, s.Name, s.Status.ToWire(), $"sweeps/{SweepId}/", s.SpecText, trials);
    }

    /// <inheritdoc />
    public async Task<WorkItem?> TryLeaseAsync(string workerId)
    {
        var s = state.State;
        if (s.SpecText is null) return null;
        var now = clock.GetUtcNow();
        if (s.Status.IsFinished())
        {
            if (s.Completed || (s.SummaryWorker is not null && s.SummaryLeaseExpiresAt > now)) return null;
            s.SummaryAttempt++;
            s.SummaryWorker = workerId;
            s.SummaryLeaseExpiresAt = now + options.SummaryLeaseDuration;
            await state.WriteStateAsync().ConfigureAwait(true);
            dirty = false;
            return WorkItem.ForSummary(SweepId, s.SummaryAttempt, options.SummaryLeaseDuration.TotalSeconds);
        }

        // Runs wait for their feature set; meanwhile this worker gets one of its steps (plan, a shard, the manifest).
        if (features is not { IsSettled: true })
        {
            var lease = await GrainFactory.GetGrain<IFeatureSetGrain>(FeatureRequest.Key).TryLeaseAsync(workerId).ConfigureAwait(true);
            features = lease.Info;
            if (lease.Work is not null) return lease.Work;
            if (!features.IsSettled) return null;
        }

        // An incomplete gang first: all or nothing, so a half-formed gang holds as few workers as possible.
        foreach (int i in gathering.Order().ToList())
        {
            var entry = s.Runs[i];
            if (entry.Run.Status != RunStatus.Gathering || entry.Run.Workers.Contains(workerId)) continue;
            if (await LeaseAsync(entry, workerId).ConfigureAwait(true) is { } gang) return gang;
        }

        if (active >= spec!.Budget.MaxParallelRuns) return null;
        for (int i = queueCursor; i < s.Runs.Count; i++)
        {
            var entry = s.Runs[i];
            if (entry.Run.Status != RunStatus.Queued)
            {
                if (i == queueCursor) queueCursor++;
                continue;
            }
            if (await LeaseAsync(entry, workerId).ConfigureAwait(true) is { } work) return work;
            if (active >= spec.Budget.MaxParallelRuns) return null;
        }
        return null;
    }

    /// <inheritdoc />
    public Task RunChangedAsync(RunInfo run) => RecordAsync(run);

    /// <inheritdoc />
    public async Task<bool> CompleteSummaryAsync(string workerId, int attempt, string? error)
    {
        var s = state.State;
        if (s.Completed && s.SummaryAttempt == attempt && s.SummaryWorker == workerId) return true;
        if (s.Completed || attempt != s.SummaryAttempt || workerId != s.SummaryWorker) return false;
        s.Completed = true;
        s.CompletionError = error;
        s.SummaryLeaseExpiresAt = null;
        await state.WriteStateAsync().ConfigureAwait(true);
        dirty = false;
        await PublishAsync(new SweepEvent("sweep-completed", SweepId, Status: s.Status.ToWire(), Detail: error)).ConfigureAwait(true);
        await GrainFactory.GetGrain<ISchedulerGrain>(0).SweepCompletedAsync(SweepId).ConfigureAwait(true);
        await UnregisterReminderAsync().ConfigureAwait(true);
        logger.LogInformation("sweep {Sweep} completed ({Status}){Error}", SweepId, s.Status.ToWire(), error is null ? "" : ": summary failed: " + error);
        return true;
    }

    /// <inheritdoc />
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        var s = state.State;
        if (s.SpecText is null || s.Completed)
        {
            await UnregisterReminderAsync().ConfigureAwait(true);
            return;
        }
        foreach (var entry in s.Runs.Where(e => e.Run.Status.IsActive()).ToList())
        {
            var run = await GrainFactory.GetGrain<IRunGrain>(entry.Run.RunId).CheckLeaseAsync().ConfigureAwait(true);
            if (run is not null) await RecordAsync(run).ConfigureAwait(true);
        }
        await FlushAsync().ConfigureAwait(true);
        await GrainFactory.GetGrain<ISchedulerGrain>(0).WorkAvailableAsync(SweepId).ConfigureAwait(true);
    }

    private async Task<WorkItem?> LeaseAsync(RunEntry entry, string workerId)
    {
        var r = entry.Run;
        var trial = state.State.Trials[r.TrialIndex];
        var plan = new RunPlan(r.RunId, SweepId, r.TrialId, r.TrialIndex, trial.Parameters,
            new RunProtocol(spec!.Corpus, spec.Features, spec.Labels, r.Fold, spec.Protocol.FoldCount, r.Seed, spec.Protocol.Validation),
            spec.GangSize, spec.Retries);
        var result = await GrainFactory.GetGrain<IRunGrain>(r.RunId).LeaseAsync(plan, workerId).ConfigureAwait(true);
        // Whatever the answer, it tells the run's current state: a stale table entry heals here.
        await RecordAsync(result.Run).ConfigureAwait(true);
        return result.Work;
    }

    /// <summary>Applies a run's report to the table; counts a final state once; finishes the sweep when every run is final.</summary>
    private async Task RecordAsync(RunInfo run)
    {
        if (!index.TryGetValue(run.RunId, out int i)) return;
        var entry = state.State.Runs[i];
        var old = entry.Run;
        if (old.Status.IsFinished()) return;                 // a finished run never changes, and is counted once
        if (run.Attempt < old.Attempt) return;                // an older report arrived late
        entry.Run = run;
        dirty = true;
        Count(i, old.Status, -1);
        Count(i, run.Status, +1);
        var scheduler = GrainFactory.GetGrain<ISchedulerGrain>(0);
        if (run.Status == RunStatus.Queued && i < queueCursor) queueCursor = i;
        if (old.Status.IsActive() && !run.Status.IsActive()) await scheduler.WorkAvailableAsync(SweepId).ConfigureAwait(true);
        if (!run.Status.IsFinished())
        {
            ScheduleFlush();
            return;
        }

        var s = state.State;
        if (trialUnfinished[run.TrialIndex] == 0)
        {
            var trialRuns = s.Runs.Where(e => e.Run.TrialIndex == run.TrialIndex).ToList();
            var t = s.Trials[run.TrialIndex];
            string status = TrialStatus(t.PlannedRuns, trialRuns.Count(e => e.Run.Status == RunStatus.Succeeded),
                trialRuns.Count(e => e.Run.Status == RunStatus.Failed), trialRuns.Count(e => e.Run.Status == RunStatus.Cancelled));
            await PublishAsync(new SweepEvent("trial-finished", SweepId, Status: status, Detail: t.TrialId)).ConfigureAwait(true);
        }
        if (unfinished == 0)
        {
            s.Status = s.Status == SweepStatus.Cancelled ? SweepStatus.Cancelled
                : s.Runs.Any(e => e.Run.Status is RunStatus.Failed or RunStatus.Cancelled) ? SweepStatus.Failed : SweepStatus.Succeeded;
            s.FinishedAt = clock.GetUtcNow();
            await FlushAsync().ConfigureAwait(true);
            await PublishAsync(new SweepEvent("sweep-finished", SweepId, Status: s.Status.ToWire())).ConfigureAwait(true);
            await scheduler.WorkAvailableAsync(SweepId).ConfigureAwait(true);   // the summary task
            logger.LogInformation("sweep {Sweep} finished: {Status}", SweepId, s.Status.ToWire());
        }
        else
        {
            ScheduleFlush();
        }
    }

    private void Load()
    {
        spec = SweepSpecParser.Parse(state.State.SpecText!, $"sweep {SweepId}");
        index.Clear();
        gathering.Clear();
        active = unfinished = 0;
        trialUnfinished = new int[state.State.Trials.Count];
        for (int i = 0; i < state.State.Runs.Count; i++)
        {
            index[state.State.Runs[i].Run.RunId] = i;
            Count(i, state.State.Runs[i].Run.Status, +1);
        }
        queueCursor = 0;
    }

    /// <summary>Adds (+1) or removes (−1) run <paramref name="i"/> in status <paramref name="status"/> to the counters.</summary>
    private void Count(int i, RunStatus status, int sign)
    {
        if (status.IsActive()) active += sign;
        if (!status.IsFinished())
        {
            unfinished += sign;
            trialUnfinished[state.State.Runs[i].Run.TrialIndex] += sign;
        }
        if (status == RunStatus.Gathering)
        {
            if (sign > 0) gathering.Add(i);
            else gathering.Remove(i);
        }
    }

    /// <summary>
    /// Run-table changes are written at most every <see cref="SchedulingOptions.SweepFlushInterval"/>: they can always be
    /// recovered from the run grains (the leasing path and the reminder heal a stale entry), and writing a large table on
    /// every report would make a sweep's cost quadratic in its runs.
    /// </summary>
    private void ScheduleFlush()
    {
        flushTimer ??= this.RegisterGrainTimer(async _ =>
        {
            flushTimer?.Dispose();
            flushTimer = null;
            await FlushAsync().ConfigureAwait(true);
        }, new GrainTimerCreationOptions(options.SweepFlushInterval, Timeout.InfiniteTimeSpan));
    }

    private async Task FlushAsync()
    {
        if (!dirty) return;
        dirty = false;
        await state.WriteStateAsync().ConfigureAwait(true);
    }

    /// <summary>
    /// Registers the reconciliation reminder. A reminder service that is unavailable (its silo just failed) must not fail
    /// the sweep's activation: the lease watch covers this activation, and the next activation registers again.
    /// </summary>
    private async Task EnsureReminderAsync()
    {
        try
        {
            await this.RegisterOrUpdateReminder(ReconcileReminder, options.ReconcilePeriod, options.ReconcilePeriod).ConfigureAwait(true);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogWarning(ex, "sweep {Sweep}: the reconciliation reminder could not be registered now", SweepId);
        }
    }

    private async Task UnregisterReminderAsync()
    {
        try
        {
            var reminder = await this.GetReminder(ReconcileReminder).ConfigureAwait(true);
            if (reminder is not null) await this.UnregisterReminder(reminder).ConfigureAwait(true);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A leftover reminder finds the sweep completed and unregisters itself then.
            logger.LogWarning(ex, "sweep {Sweep}: the reconciliation reminder could not be removed now", SweepId);
        }
    }

    private Task PublishAsync(SweepEvent e) => this.PublishAsync(e, logger);

    private static string TrialStatus(int planned, int succeeded, int failed, int cancelled) =>
        succeeded + failed + cancelled < planned ? "running" : failed > 0 ? "failed" : cancelled > 0 ? "cancelled" : "succeeded";

    private SweepInfo Info()
    {
        var s = state.State;
        int ok = 0, failed = 0, cancelled = 0, active = 0, queued = 0;
        foreach (var e in s.Runs)
        {
            switch (e.Run.Status)
            {
                case RunStatus.Succeeded: ok++; break;
                case RunStatus.Failed: failed++; break;
                case RunStatus.Cancelled: cancelled++; break;
                case RunStatus.Queued: queued++; break;
                default: active++; break;
            }
        }
        return new SweepInfo(SweepId, s.Name, s.Status, s.Runs.Count, ok, failed, cancelled, active, queued, spec?.Budget.MaxParallelRuns ?? 0,
            s.CreatedAt, s.FinishedAt, s.Completed, s.CompletionError, s.Status.IsFinished() ? null : features is { IsSettled: false } f ? f.Progress : null);
    }
}
