using Amber.Grains.Contracts;
using Amber.Grains.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Amber.Grains.Runs;

/// <summary>The persisted state of a run grain: its plan, the transition state and the committed results.</summary>
[GenerateSerializer]
public sealed class RunGrainState
{
    /// <summary>What the sweep planned (null until the first lease initialises the grain).</summary>
    [Id(0)] public RunPlan? Plan { get; set; }

    /// <summary>Status, attempt, gang and leases.</summary>
    [Id(1)] public RunState? Run { get; set; }

    /// <summary>Metric rows of the committed attempt.</summary>
    [Id(2)] public List<MetricRow> Metrics { get; set; } = [];

    /// <summary>Artifacts of the committed attempt by role.</summary>
    [Id(3)] public Dictionary<string, string> Artifacts { get; set; } = [];

    /// <summary>Learning curve of the latest attempt.</summary>
    [Id(4)] public List<CurvePoint> Curve { get; set; } = [];

    /// <summary>When anything last changed.</summary>
    [Id(5)] public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>The checkpoints the run keeps, oldest first (cleared when it finishes: the workers delete the blobs).</summary>
    [Id(6)] public List<CheckpointRef> Checkpoints { get; set; } = [];
}

/// <summary>
/// One run. Decisions are made by <see cref="RunTransitions"/> (pure, tested as a table); this class persists them,
/// keeps a timer on the earliest lease expiry, publishes events on the sweep's stream, and tells its sweep grain of
/// every change (one-way, so a sweep that is calling this run can never deadlock with it).
/// </summary>
public sealed class RunGrain(
    [PersistentState("run", StorageNames.State)] IPersistentState<RunGrainState> state,
    IOptions<SchedulingOptions> options,
    TimeProvider clock,
    ILogger<RunGrain> logger) : Grain, IRunGrain
{
    private readonly SchedulingOptions options = options.Value;
    private IGrainTimer? leaseTimer;

    /// <inheritdoc />
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // After a failover the lease may already have lapsed: the timer fires at once and takes it back.
        ScheduleLeaseTimer();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task<RunLeaseResult> LeaseAsync(RunPlan plan, string workerId)
    {
        var s = state.State;
        if (s.Run is null)
        {
            s.Plan = plan;
            s.Run = RunState.Create(plan.RunId, plan.SweepId, plan.TrialId, plan.Protocol.Fold, plan.Protocol.Seed, plan.GangSize, plan.MaxRetries);
        }
        // Ranks of a gang connect to each other's ring listeners: the worker grain knows where this one listens.
        string? endpoint = s.Run.GangSize > 1
            ? (await GrainFactory.GetGrain<IWorkerGrain>(workerId).GetAsync().ConfigureAwait(true))?.Capabilities.Endpoint
            : null;
        var now = clock.GetUtcNow();
        // A gang member whose lease lapsed must leave before a new worker can take its rank.
        await ApplyAsync(new ExpireLeases(now)).ConfigureAwait(true);
        int attemptBefore = s.Run.Attempt;
        var decision = await ApplyAsync(new LeaseRun(workerId, now, options.LeaseDuration, endpoint, options.GatheringTimeout)).ConfigureAwait(true);
        if (decision.Verdict != Verdict.Accepted) return new RunLeaseResult(null, decision.Reason, Info());
        if (s.Run.Attempt != attemptBefore) s.Curve.Clear();

        var run = s.Run;
        int rank = run.Members.First(m => m.WorkerId == workerId).Rank;
        var assignment = new RunAssignment(run.SweepId, run.TrialId, run.RunId, s.Plan!.TrialIndex, run.Attempt,
            new GangInfo(run.GangSize, rank, run.Members.Select(m => m.WorkerId).ToList(), Endpoints()), s.Plan.Parameters, s.Plan.Protocol,
            ArtifactPrefix(run.SweepId, run.RunId, run.Attempt), [.. s.Checkpoints]);
        return new RunLeaseResult(WorkItem.ForRun(assignment, run.Status, options.LeaseDuration.TotalSeconds), null, Info());
    }

    /// <inheritdoc />
    public async Task<RunAck> RenewAsync(string workerId, int attempt) =>
        Ack(await ApplyAsync(new RenewLease(workerId, attempt, clock.GetUtcNow(), options.LeaseDuration)).ConfigureAwait(true));

    /// <inheritdoc />
    public async Task<RunAck> ReportProgressAsync(string workerId, int attempt, EpochProgress progress)
    {
        var d = await ApplyAsync(new ReportProgress(workerId, attempt, clock.GetUtcNow(), options.LeaseDuration), beforeWrite: () =>
        {
            var curve = state.State.Curve;
            curve.RemoveAll(p => p.Epoch == progress.Epoch); // a repeated report replaces its epoch
            foreach (var (name, value) in progress.Values.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                curve.Add(new CurvePoint(attempt, progress.Epoch, name, value));
        }).ConfigureAwait(true);
        if (d.Verdict == Verdict.Accepted)
            await PublishAsync(new SweepEvent("run-progress", state.State.Run!.SweepId, state.State.Run.RunId, "running", progress)).ConfigureAwait(true);
        if (d.Verdict == Verdict.Accepted && state.State.Plan!.AskToPrune &&
            await GrainFactory.GetGrain<ISweepGrain>(state.State.Run!.SweepId).ShouldPruneAsync(state.State.Run.RunId, attempt, progress).ConfigureAwait(true) is { } why)
        {
            // Refused, so the worker stops and drops its work, as it does for a stale attempt; the run is finished.
            var pruned = await ApplyAsync(new PruneRun(attempt, why)).ConfigureAwait(true);
            if (pruned.Verdict == Verdict.Accepted) return new RunAck(false, RunStatus.Pruned, attempt, [], why);
        }
        return Ack(d);
    }

    /// <inheritdoc />
    public async Task<CheckpointAck> RecordCheckpointAsync(string workerId, int attempt, CheckpointRef checkpoint)
    {
        var run = state.State.Run;
        if (run is not null && (checkpoint.Attempt != attempt || !checkpoint.Name.StartsWith(ArtifactPrefix(run.SweepId, run.RunId, attempt), StringComparison.Ordinal)))
            return new CheckpointAck(false, [], $"checkpoint '{checkpoint.Name}' is not under attempt {attempt}'s prefix {ArtifactPrefix(run.SweepId, run.RunId, attempt)}");
        IReadOnlyList<CheckpointRef> dropped = [];
        var d = await ApplyAsync(new RecordCheckpoint(workerId, attempt, clock.GetUtcNow(), options.LeaseDuration), beforeWrite: () =>
        {
            var (kept, gone) = CheckpointRetention.Record(state.State.Checkpoints, checkpoint, options.CheckpointsKept);
            state.State.Checkpoints = [.. kept];
            dropped = gone;
        }).ConfigureAwait(true);
        return new CheckpointAck(d.Verdict == Verdict.Accepted, dropped, d.Reason);
    }

    /// <inheritdoc />
    public async Task<RunAck> CompleteAsync(string workerId, int attempt, RunOutcome outcome)
    {
        if (state.State.Run is { } run && ArtifactNames.Problem(run.SweepId, outcome.Artifacts) is { } bad)
        {
            // Nothing is committed: the worker gets the reason, and the run stays as it is.
            return new RunAck(false, run.Status, run.Attempt, Peers(), $"cannot complete: {bad}");
        }
        return Ack(await ApplyAsync(new CompleteRun(workerId, attempt), beforeWrite: () =>
        {
            state.State.Metrics = [.. outcome.Metrics];
            state.State.Artifacts = new Dictionary<string, string>(outcome.Artifacts, StringComparer.Ordinal);
        }).ConfigureAwait(true));
    }

    /// <inheritdoc />
    public async Task<RunAck> FailAsync(string workerId, int attempt, string reason) =>
        Ack(await ApplyAsync(new FailRun(workerId, attempt, reason)).ConfigureAwait(true));

    /// <inheritdoc />
    public async Task<RunInfo?> CancelAsync(string reason)
    {
        if (state.State.Run is null) return null;
        await ApplyAsync(new CancelRun(reason)).ConfigureAwait(true);
        return Info();
    }

    /// <inheritdoc />
    public async Task<RunInfo?> CheckLeaseAsync()
    {
        if (state.State.Run is null) return null;
        await ApplyAsync(new ExpireLeases(clock.GetUtcNow())).ConfigureAwait(true);
        return Info();
    }

    /// <inheritdoc />
    public Task<RunInfo?> GetAsync() => Task.FromResult(state.State.Run is null ? null : Info());

    /// <inheritdoc />
    public Task<RunResult?> GetResultAsync()
    {
        var run = state.State.Run;
        if (run is null || !run.Status.IsFinished()) return Task.FromResult<RunResult?>(null);
        bool ok = run.Status == RunStatus.Succeeded;
        return Task.FromResult<RunResult?>(new RunResult(run.RunId, run.Fold, run.Seed, run.Status.ToWire(), run.Attempt,
            ok ? [.. state.State.Metrics] : [], ok ? new Dictionary<string, string>(state.State.Artifacts) : new Dictionary<string, string>(),
            ok ? null : run.LastError));
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<CurvePoint>> GetCurveAsync() =>
        Task.FromResult<IReadOnlyList<CurvePoint>>(state.State.Curve.OrderBy(p => p.Epoch).ThenBy(p => p.Name, StringComparer.Ordinal).ToList());

    /// <summary>Blob prefix owned by one attempt of a run.</summary>
    public static string ArtifactPrefix(string sweepId, string runId, int attempt) => $"sweeps/{sweepId}/runs/{runId}/a{attempt}/";

    /// <summary>
    /// Decides <paramref name="command"/>; when accepted, runs <paramref name="beforeWrite"/>, persists, re-arms the lease
    /// timer, publishes the events and tells the sweep. Rejections and repeats change nothing.
    /// </summary>
    private async Task<Decision<RunState>> ApplyAsync(RunCommand command, Action? beforeWrite = null)
    {
        var s = state.State;
        if (s.Run is null) return Decisions.Reject<RunState>(null!, $"run {this.GetPrimaryKeyString()} was never started");
        var d = RunTransitions.Decide(s.Run, command);
        if (d.Verdict != Verdict.Accepted) return d;
        s.Run = d.State;
        s.UpdatedAt = clock.GetUtcNow();
        beforeWrite?.Invoke();
        // A finished run resumes no more: the workers that see it finish delete the checkpoint blobs.
        if (s.Run.Status.IsFinished()) s.Checkpoints.Clear();
        await state.WriteStateAsync().ConfigureAwait(true);
        ScheduleLeaseTimer();
        bool statusChanged = false;
        foreach (var e in d.Events)
        {
            var published = e switch
            {
                RunStarted x => new SweepEvent("run-started", s.Run.SweepId, x.RunId, "running"),
                RunRequeued x => new SweepEvent("run-requeued", x.SweepId, x.RunId, "queued", Detail: x.Reason),
                RunFinished x => new SweepEvent("run-finished", x.SweepId, x.RunId, x.Status.ToWire(), Detail: x.Reason),
                _ => null,
            };
            statusChanged |= e is RunStarted or RunRequeued or RunFinished or GangJoined or RunActivated;
            if (published is not null) await PublishAsync(published).ConfigureAwait(true);
        }
        if (statusChanged)
        {
            if (d.Events.OfType<RunRequeued>().FirstOrDefault() is { } requeued)
                logger.LogWarning("run {Run} attempt {Attempt} requeued: {Reason}", requeued.RunId, requeued.Attempt, requeued.Reason);
            await GrainFactory.GetGrain<ISweepGrain>(s.Run.SweepId).RunChangedAsync(Info()).ConfigureAwait(true);
        }
        return d;
    }

    private void ScheduleLeaseTimer()
    {
        var expiry = state.State.Run?.NextDeadline;
        if (expiry is null)
        {
            leaseTimer?.Dispose();
            leaseTimer = null;
            return;
        }
        var due = expiry.Value - clock.GetUtcNow() + TimeSpan.FromMilliseconds(20);
        if (due < TimeSpan.Zero) due = TimeSpan.Zero;
        if (leaseTimer is null)
            leaseTimer = this.RegisterGrainTimer(OnLeaseTimerAsync, new GrainTimerCreationOptions(due, Timeout.InfiniteTimeSpan) { KeepAlive = true });
        else
            leaseTimer.Change(due, Timeout.InfiniteTimeSpan);
    }

    private async Task OnLeaseTimerAsync(CancellationToken cancellationToken)
    {
        var d = await ApplyAsync(new ExpireLeases(clock.GetUtcNow())).ConfigureAwait(true);
        if (d.Verdict != Verdict.Accepted) ScheduleLeaseTimer(); // renewed meanwhile: wait for the new expiry
    }

    private Task PublishAsync(SweepEvent e) => this.PublishAsync(e, logger);

    private RunAck Ack(Decision<RunState> d)
    {
        var run = state.State.Run;
        if (run is null) return new RunAck(false, RunStatus.Queued, 0, [], d.Reason);
        return new RunAck(d.Verdict != Verdict.Rejected, run.Status, run.Attempt, Peers(), d.Reason, Endpoints());
    }

    private List<string> Peers() => state.State.Run is { } run ? run.Members.Select(m => m.WorkerId).ToList() : [];

    private List<string>? Endpoints() => state.State.Run is { GangSize: > 1 } run ? run.Members.Select(m => m.Endpoint ?? "").ToList() : null;

    private RunInfo Info()
    {
        var s = state.State;
        var run = s.Run!;
        return new RunInfo(run.RunId, run.SweepId, run.TrialId, s.Plan?.TrialIndex ?? 0, run.Fold, run.Seed, run.Status, run.Attempt, run.Failures,
            run.GangSize, Peers(), run.LeaseExpiresAt, run.LastError, s.UpdatedAt,
            run.Status == RunStatus.Succeeded ? new Dictionary<string, string>(s.Artifacts) : new Dictionary<string, string>(),
            s.Checkpoints.LastOrDefault());
    }
}

/// <summary>Checks the blob names a worker reports as a run's artifacts: relative, no traversal, under the sweep's own prefixes.</summary>
public static class ArtifactNames
{
    /// <summary>Null when every name is acceptable; otherwise what is wrong with the first bad one.</summary>
    public static string? Problem(string sweepId, IReadOnlyDictionary<string, string> artifacts)
    {
        foreach (var (role, name) in artifacts)
        {
            if (string.IsNullOrWhiteSpace(name) || name.Length > 1024) return $"artifact '{role}': a blob name of 1 to 1024 characters is expected";
            if (name.StartsWith('/') || name.Contains('\\', StringComparison.Ordinal) || name.Contains(':', StringComparison.Ordinal))
                return $"artifact '{role}': a relative blob name is expected (no leading '/', '\\' or ':')";
            if (name.Split('/').Any(seg => seg is "" or "." or ".."))
                return $"artifact '{role}': empty, '.' and '..' segments are not allowed";
            if (!name.StartsWith($"results/{sweepId}/", StringComparison.Ordinal) && !name.StartsWith($"sweeps/{sweepId}/", StringComparison.Ordinal))
                return $"artifact '{role}': expected a name under results/{sweepId}/ or sweeps/{sweepId}/";
        }
        return null;
    }
}
