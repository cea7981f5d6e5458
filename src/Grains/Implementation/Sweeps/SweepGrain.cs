using Amber.Grains.Contracts;
using Amber.Grains.Hosting;
using Amber.Grains.Parameters;
using Amber.Grains.Pruning;
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
    /// <summary>Objective values told so far, as losses (lower is better), by trial index: the sampler's model.</summary>
    [Id(14)] public Dictionary<int, double> TrialLosses { get; set; } = [];
    /// <summary>The sampler has nothing more to propose (a grid is planned whole at submission, so it is exhausted then).</summary>
    [Id(15)] public bool SamplerExhausted { get; set; }
    /// <summary>Trials stopped by a pruner (by epochs or across folds): their remaining runs were cancelled on purpose.</summary>
    [Id(16)] public HashSet<int> PrunedTrials { get; set; } = [];
    /// <summary>Objective values (as losses) of succeeded runs, by run id: what trial values and fold pruning read.</summary>
    [Id(17)] public Dictionary<string, double> RunLosses { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// One sweep: asks its sampler for trials as parallel capacity frees (grid and random, which do not learn, are planned
/// whole at submission) and tells it
/// each trial's objective value when the trial's runs finish; hands its runs to the scheduler's worker lanes within the
/// parallel budget (gathering gangs first, then the queue in order), counts outcomes by run id, finishes exactly when every
/// run is final and no trial is left to ask, and hands out the summary task. The decisions are
/// <see cref="SweepDecisions"/>'s; this class loads, decides, writes and publishes. A reminder reconciles with the run grains, so a lost one-way
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
    private readonly List<int> trialUnfinished = [];
    private ISampler? sampler;
    private IPruner? pruner;
    // Learning curves (objective as a loss, by epoch) of the runs that reported, by run id, and the runs by fold: the
    // epoch pruner's view. Kept in memory only: after a reactivation the pruner compares with the runs that report again.
    private readonly Dictionary<string, (int Attempt, List<double> Losses)> curves = new(StringComparer.Ordinal);
    private readonly Dictionary<int, List<string>> curveRunsByFold = [];
    private readonly HashSet<int> announcedTrials = [];
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
            await RecoverValuesAsync().ConfigureAwait(true);
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
    /// Values are written with the run table's lazy flush, so a silo that failed just after a run finished may have lost
    /// them: read them again from the run grains for succeeded runs that have none, and tell the finished trials that
    /// have no value yet, before the sampler is asked again.
    /// </summary>
    private async Task RecoverValuesAsync()
    {
        var s = state.State;
        if (!(spec!.Sampler.Kind == "tpe" || spec.FoldPruning.Enabled)) return;
        var missing = s.Runs.Select(e => e.Run).Where(r => r.Status == RunStatus.Succeeded && !s.RunLosses.ContainsKey(r.RunId)).ToList();
        foreach (var r in missing) await ReadRunValueAsync(r).ConfigureAwait(true);
        for (int t = 0; t < s.Trials.Count; t++)
        {
            if (trialUnfinished[t] != 0 || s.TrialLosses.ContainsKey(t)) continue;
            announcedTrials.Remove(t);
            await TrialFinishedAsync(t).ConfigureAwait(true);
        }
        await FlushAsync().ConfigureAwait(true);
    }

    /// <summary>Reads a succeeded run's objective value from its run grain into the run losses.</summary>
    private async Task ReadRunValueAsync(RunInfo run)
    {
        var grain = GrainFactory.GetGrain<IRunGrain>(run.RunId);
        var result = await grain.GetResultAsync().ConfigureAwait(true);
        var curve = spec!.Objective.Split == "validation" ? await grain.GetCurveAsync().ConfigureAwait(true) : [];
        if (ObjectiveValues.Of(spec.Objective, result, curve) is { } v)
        {
            state.State.RunLosses[run.RunId] = spec.Objective.AsLoss(v);
            dirty = true;
        }
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
        s.SpecText = submission.SpecText;
        s.Source = submission.Source;
        s.Name = parsed.Name;
        s.CreatedAt = submission.SubmittedAt;
        s.Status = SweepStatus.Running;
        if (!Samplers.IsAdaptive(parsed.Sampler))
        {
            // Grid and random trials do not depend on results: planning them now tells the user at once how many runs the
            // sweep will finish with, and writes the sweep once instead of once per trial.
            var parameters = Samplers.Plan(parsed);
            for (int i = 0; i < parameters.Count; i++) AddTrial(parsed, parameters[i], submission.SubmittedAt);
            s.SamplerExhausted = true;
        }
        await state.WriteStateAsync().ConfigureAwait(true);
        Load();
        await AskTrialsAsync().ConfigureAwait(true);
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
        await FinishIfDoneAsync().ConfigureAwait(true);
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
            // Pruned runs count as cancelled in the counts (the API's shape predates pruning); the status says "pruned".
            int ok = statuses.Count(x => x == RunStatus.Succeeded), failed = statuses.Count(x => x == RunStatus.Failed), cancelled = statuses.Count(x => x is RunStatus.Cancelled or RunStatus.Pruned);
            return new TrialInfo(t.TrialId, t.Index, SweepDecisions.TrialStatus(t.PlannedRuns, statuses, s.PrunedTrials.Contains(t.Index)), t.Parameters.ToJson(), t.PlannedRuns, ok, failed, cancelled);
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
            var statuses = runs.Select(x => RunStatusExtensions.ParseRunStatus(x.Status)).ToList();
            trials.Add(new TrialResults(SweepId, t.TrialId, t.Index, t.Parameters, SweepDecisions.TrialStatus(t.PlannedRuns, statuses, s.PrunedTrials.Contains(t.Index)), runs));
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

        await AskTrialsAsync().ConfigureAwait(true);
        if (!SweepDecisions.MayLease(Counts())) return null;
        for (int i = queueCursor; i < s.Runs.Count; i++)
        {
            var entry = s.Runs[i];
            if (entry.Run.Status != RunStatus.Queued)
            {
                if (i == queueCursor) queueCursor++;
                continue;
            }
            if (await LeaseAsync(entry, workerId).ConfigureAwait(true) is { } work) return work;
            if (!SweepDecisions.MayLease(Counts())) return null;
        }
        return null;
    }

    /// <inheritdoc />
    public Task RunChangedAsync(RunInfo run) => RecordAsync(run);

    /// <inheritdoc />
    public Task<string?> ShouldPruneAsync(string runId, int attempt, EpochProgress progress)
    {
        // Synchronous on purpose: this call interleaves with the sweep's other turns, so it must not await.
        if (spec is null || spec.Pruner.Kind == "none" || !index.TryGetValue(runId, out int i)) return Task.FromResult<string?>(null);
        var run = state.State.Runs[i].Run;
        if (run.Status.IsFinished() || progress.Epoch < 1) return Task.FromResult<string?>(null);
        // Test objectives have no per-epoch value: the curve the run trains on (validation JS) stands in for them.
        bool onObjective = spec.Objective.Split == "validation";
        string key = onObjective ? spec.Objective.CurveKey : "val_js";
        if (!progress.Values.TryGetValue(key, out double value) || !double.IsFinite(value)) return Task.FromResult<string?>(null);
        double loss = onObjective ? spec.Objective.AsLoss(value) : value;
        if (!curves.TryGetValue(runId, out var curve) || curve.Attempt != attempt)
        {
            curve = (attempt, []);
            curves[runId] = curve;
            if (!curveRunsByFold.TryGetValue(run.Fold, out var foldRuns)) curveRunsByFold[run.Fold] = foldRuns = [];
            if (!foldRuns.Contains(runId)) foldRuns.Add(runId);
        }
        var losses = curve.Losses;
        if (losses.Count < progress.Epoch - 1) return Task.FromResult<string?>(null);   // a gap: wait for a contiguous curve
        if (losses.Count >= progress.Epoch) losses.RemoveRange(progress.Epoch - 1, losses.Count - progress.Epoch + 1);
        losses.Add(loss);
        var others = curveRunsByFold[run.Fold].Where(r => r != runId).Select(r => (IReadOnlyList<double>)curves[r].Losses).ToList();
        pruner ??= Pruners.For(spec.Pruner);
        string? why = pruner.ShouldPrune(new PrunerContext(runId, progress.Epoch, losses, others))
            ? $"pruned by the {spec.Pruner.Kind} pruner at epoch {progress.Epoch} ({key} = {value:G4})"
            : null;
        return Task.FromResult(why);
    }

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
        await AskTrialsAsync().ConfigureAwait(true);
        await FinishIfDoneAsync().ConfigureAwait(true);
        await FlushAsync().ConfigureAwait(true);
        await GrainFactory.GetGrain<ISchedulerGrain>(0).WorkAvailableAsync(SweepId).ConfigureAwait(true);
    }

    private async Task<WorkItem?> LeaseAsync(RunEntry entry, string workerId)
    {
        var r = entry.Run;
        var trial = state.State.Trials[r.TrialIndex];
        var plan = new RunPlan(r.RunId, SweepId, r.TrialId, r.TrialIndex, trial.Parameters,
            new RunProtocol(spec!.Corpus, spec.Features, spec.Labels, r.Fold, spec.Protocol.FoldCount, r.Seed, spec.Protocol.Validation),
            spec.GangSize, spec.Retries) { AskToPrune = spec.Pruner.Kind != "none" };
        var result = await GrainFactory.GetGrain<IRunGrain>(r.RunId).LeaseAsync(plan, workerId).ConfigureAwait(true);
        // Whatever the answer, it tells the run's current state: a stale table entry heals here.
        await RecordAsync(result.Run).ConfigureAwait(true);
        return result.Work;
    }

    /// <summary>
    /// Applies a run's report to the table; counts a final state once; tells the sampler a trial's value when its last run
    /// finishes; asks for new trials when capacity frees; finishes the sweep when every run is final and no trial is left.
    /// </summary>
    private async Task RecordAsync(RunInfo run)
    {
        if (!index.TryGetValue(run.RunId, out int i)) return;
        var entry = state.State.Runs[i];
        var old = entry.Run;
        var verdict = SweepDecisions.OnReport(old, run);
        if (verdict == ReportVerdict.Ignore) return;
        entry.Run = run;
        dirty = true;
        Count(i, old.Status, -1);
        Count(i, run.Status, +1);
        var scheduler = GrainFactory.GetGrain<ISchedulerGrain>(0);
        if (run.Status == RunStatus.Queued && i < queueCursor) queueCursor = i;
        bool freed = old.Status.IsActive() && !run.Status.IsActive();
        if (verdict == ReportVerdict.Finish) await RunFinishedAsync(run).ConfigureAwait(true);
        if (freed)
        {
            await AskTrialsAsync().ConfigureAwait(true);
            await scheduler.WorkAvailableAsync(SweepId).ConfigureAwait(true);
        }
        if (!await FinishIfDoneAsync().ConfigureAwait(true)) ScheduleFlush();
    }

    /// <summary>
    /// A run just finished: a succeeded run's objective value is read (when a learning sampler or fold pruning needs it);
    /// a pruned run, or a trial significantly worse than the best across its finished folds, stops the trial's other
    /// runs; a trial whose runs are all final is told and announced.
    /// </summary>
    private async Task RunFinishedAsync(RunInfo run)
    {
        var s = state.State;
        int t = run.TrialIndex;
        bool needsValues = spec!.Sampler.Kind == "tpe" || spec.FoldPruning.Enabled;
        if (run.Status == RunStatus.Succeeded && needsValues) await ReadRunValueAsync(run).ConfigureAwait(true);
        if (!s.PrunedTrials.Contains(t) && trialUnfinished[t] > 0)
        {
            string? why = run.Status == RunStatus.Pruned ? $"trial pruned: run {run.RunId} {run.LastError}" : FoldPruningReason(t);
            if (why is not null)
            {
                s.PrunedTrials.Add(t);
                dirty = true;
                await StopTrialAsync(t, why).ConfigureAwait(true);
            }
        }
        else if (run.Status == RunStatus.Pruned) s.PrunedTrials.Add(t);
        if (trialUnfinished[t] == 0) await TrialFinishedAsync(t).ConfigureAwait(true);
    }

    /// <summary>Why trial <paramref name="t"/> should stop its remaining runs by the fold-pruning test, or null.</summary>
    private string? FoldPruningReason(int t)
    {
        if (!spec!.FoldPruning.Enabled) return null;
        var s = state.State;
        var mine = UnitLosses(t);
        if (mine.Count < spec.FoldPruning.MinFolds) return null;
        // The best trial: every run succeeded with a value, not pruned, lowest mean loss.
        int best = -1;
        double bestValue = double.PositiveInfinity;
        foreach (var (index, value) in s.TrialLosses)
        {
            if (index == t || s.PrunedTrials.Contains(index) || value >= bestValue) continue;
            best = index;
            bestValue = value;
        }
        if (best < 0) return null;
        var reference = UnitLosses(best);
        if (!FoldPruning.ShouldStop(spec.FoldPruning, mine, reference)) return null;
        var test = FoldPruning.Test(spec.FoldPruning, mine, reference)!;
        return $"trial pruned across folds: worse than trial {s.Trials[best].TrialId} on {test.Pairs} shared folds (mean difference {test.MeanDifference:G3}, one-sided paired t-test p = {test.GreaterP:G3} < {spec.FoldPruning.Alpha})";
    }

    /// <summary>The losses of trial <paramref name="t"/>'s succeeded runs by (fold, seed).</summary>
    private Dictionary<(int Fold, int Seed), double> UnitLosses(int t)
    {
        var s = state.State;
        var units = new Dictionary<(int Fold, int Seed), double>();
        foreach (var r in TrialRuns(t))
            if (s.RunLosses.TryGetValue(r.RunId, out double loss)) units[(r.Fold, r.Seed)] = loss;
        return units;
    }

    /// <summary>A trial's runs: runs are appended trial by trial, folds × seeds each.</summary>
    private IEnumerable<RunInfo> TrialRuns(int t)
    {
        var s = state.State;
        int per = spec!.RunsPerTrial;
        for (int i = t * per; i < (t + 1) * per && i < s.Runs.Count; i++) yield return s.Runs[i].Run;
    }

    /// <summary>Cancels the unfinished runs of a pruned trial; the freed budget goes to new trials.</summary>
    private async Task StopTrialAsync(int t, string reason)
    {
        foreach (var r in TrialRuns(t).Where(r => !r.Status.IsFinished()).ToList())
        {
            var info = await GrainFactory.GetGrain<IRunGrain>(r.RunId).CancelAsync(reason).ConfigureAwait(true);
            // A run never leased has no grain state: it is cancelled here, where it is planned.
            await RecordAsync(info ?? r with { Status = RunStatus.Cancelled, LastError = reason, UpdatedAt = clock.GetUtcNow() }).ConfigureAwait(true);
        }
    }

    /// <summary>
    /// Tells the sampler the trial's value and publishes that it finished (once per activation). The value is the mean of
    /// its runs' values; a trial pruned by epochs has no final values and is told +∞ (worse than any finished trial); a
    /// trial pruned across folds is told the mean of the folds it finished, which were significantly worse than the best.
    /// </summary>
    private async Task TrialFinishedAsync(int t)
    {
        if (!announcedTrials.Add(t)) return;
        var s = state.State;
        var runs = TrialRuns(t).ToList();
        if (runs.Any(r => r.Status == RunStatus.Pruned))
        {
            // No final values: told as worse than every finished trial, so the sampler avoids its region.
            s.TrialLosses[t] = double.PositiveInfinity;
            dirty = true;
        }
        else if (SweepDecisions.TrialValue(runs.Select(r => s.RunLosses.TryGetValue(r.RunId, out double l) ? l : (double?)null)) is { } value)
        {
            s.TrialLosses[t] = value;
            dirty = true;
        }
        string status = SweepDecisions.TrialStatus(s.Trials[t].PlannedRuns, runs.Select(r => r.Status).ToList(), s.PrunedTrials.Contains(t));
        await PublishAsync(new SweepEvent("trial-finished", SweepId, Status: status, Detail: s.Trials[t].TrialId)).ConfigureAwait(true);
    }

    /// <summary>Finishes the sweep when <see cref="SweepDecisions.IsDone"/> says so (once); true when it is finished.</summary>
    private async Task<bool> FinishIfDoneAsync()
    {
        var s = state.State;
        if (s.FinishedAt is not null) return true;
        if (!SweepDecisions.IsDone(Counts())) return false;
        s.Status = SweepDecisions.FinalStatus(s.Status == SweepStatus.Cancelled, s.Runs.Select(e => (e.Run.Status, s.PrunedTrials.Contains(e.Run.TrialIndex))));
        s.FinishedAt = clock.GetUtcNow();
        dirty = true;
        await FlushAsync().ConfigureAwait(true);
        await PublishAsync(new SweepEvent("sweep-finished", SweepId, Status: s.Status.ToWire())).ConfigureAwait(true);
        await GrainFactory.GetGrain<ISchedulerGrain>(0).WorkAvailableAsync(SweepId).ConfigureAwait(true);   // the summary task
        logger.LogInformation("sweep {Sweep} finished: {Status}", SweepId, s.Status.ToWire());
        return true;
    }

    /// <summary>
    /// Asks the sampler for trials while <see cref="SweepDecisions.ShouldAskTrial"/> says so. Each new trial is written
    /// before any of its runs can be leased, so a restarted sweep never proposes a different trial under the same ids.
    /// </summary>
    private async Task AskTrialsAsync()
    {
        var s = state.State;
        if (spec is null) return;
        bool asked = false;
        while (SweepDecisions.ShouldAskTrial(Counts()))
        {
            sampler ??= Samplers.For(spec);
            var history = s.Trials.Select(t => new TrialHistory(t.Index, t.Parameters, trialUnfinished[t.Index] == 0,
                s.TrialLosses.TryGetValue(t.Index, out double loss) ? loss : null)).ToList();
            if (sampler.Next(new SamplerContext(spec, history)) is not { } next)
            {
                s.SamplerExhausted = true;
                asked = true;
                break;
            }
            int first = s.Runs.Count;
            AddTrial(spec, next, clock.GetUtcNow());
            trialUnfinished.Add(0);
            for (int r = first; r < s.Runs.Count; r++)
            {
                index[s.Runs[r].Run.RunId] = r;
                Count(r, RunStatus.Queued, +1);
            }
            asked = true;
        }
        if (!asked) return;
        await state.WriteStateAsync().ConfigureAwait(true);
        dirty = false;
        await GrainFactory.GetGrain<ISchedulerGrain>(0).WorkAvailableAsync(SweepId).ConfigureAwait(true);
    }

    /// <summary>Appends a trial and its runs (folds × seeds, queued) to the state.</summary>
    private void AddTrial(SweepSpec parsed, TrialParameters parameters, DateTimeOffset now)
    {
        var s = state.State;
        int i = s.Trials.Count;
        string trialId = $"{SweepId}-t{i:D3}";
        s.Trials.Add(new TrialEntry(trialId, i, parameters, parsed.RunsPerTrial));
        foreach (int fold in parsed.Protocol.Folds)
            foreach (int seed in parsed.Protocol.Seeds)
                s.Runs.Add(new RunEntry
                {
                    Run = new RunInfo($"{trialId}-f{fold}-s{seed}", SweepId, trialId, i, fold, seed, RunStatus.Queued, 0, 0, parsed.GangSize, [], null, null,
                        now, new Dictionary<string, string>()),
                });
    }

    /// <summary>The counts <see cref="SweepDecisions"/> looks at.</summary>
    private SweepCounts Counts() => new(state.State.Trials.Count, spec?.Budget.MaxTrials ?? 0, state.State.SamplerExhausted, active,
        unfinished - active, unfinished, spec?.Budget.MaxParallelRuns ?? 0, state.State.Status.IsFinished());

    private void Load()
    {
        spec = SweepSpecParser.Parse(state.State.SpecText!, $"sweep {SweepId}");
        index.Clear();
        gathering.Clear();
        active = unfinished = 0;
        trialUnfinished.Clear();
        trialUnfinished.AddRange(new int[state.State.Trials.Count]);
        // Grid and random sweeps were planned whole at submission (also those persisted before the flag existed).
        if (!Samplers.IsAdaptive(spec.Sampler)) state.State.SamplerExhausted = true;
        for (int i = 0; i < state.State.Runs.Count; i++)
        {
            index[state.State.Runs[i].Run.RunId] = i;
            Count(i, state.State.Runs[i].Run.Status, +1);
        }
        queueCursor = 0;
        announcedTrials.Clear();
        for (int t = 0; t < trialUnfinished.Count; t++)
            if (trialUnfinished[t] == 0) announcedTrials.Add(t);
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
                case RunStatus.Cancelled or RunStatus.Pruned: cancelled++; break;
                case RunStatus.Queued: queued++; break;
                default: active++; break;
            }
        }
        return new SweepInfo(SweepId, s.Name, s.Status, s.Runs.Count, ok, failed, cancelled, active, queued, spec?.Budget.MaxParallelRuns ?? 0,
            s.CreatedAt, s.FinishedAt, s.Completed, s.CompletionError, s.Status.IsFinished() ? null : features is { IsSettled: false } f ? f.Progress : null);
    }
}
