using System.Text.Json;
using Amber.Grains.Parameters;
using Amber.Grains.Runs;
using Amber.Grains.Trials;
using Amber.Grains.Workers;
using Amber.Grains.Contracts;
using Amber.Silo.Execution;
using Amber.Silo.Scheduling;
using Amber.Silo.Store;

namespace Amber.Silo.Api;

/// <summary>A sweep as the API shows it.</summary>
public sealed record SweepView(string Id, string Name, string Status, int PlannedRuns, int Succeeded, int Failed, int Cancelled, int ActiveRuns,
    int MaxParallelRuns, DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt, bool Completed, string? CompletionError)
{
    /// <summary>Maps a stored sweep.</summary>
    public static SweepView From(SweepRecord r) => new(r.State.SweepId, r.State.Name, r.State.Status.ToString().ToLowerInvariant(), r.State.PlannedRuns,
        r.State.Succeeded, r.State.Failed, r.State.Cancelled, r.State.ActiveRuns, r.State.MaxParallelRuns, r.State.CreatedAt, r.State.FinishedAt,
        r.HandledAt is not null, r.CompletionError);
}

/// <summary>A trial with its parameters (typed JSON values) and run counts.</summary>
public sealed record TrialView(string Id, int Index, string Status, JsonElement Parameters, int PlannedRuns, int Succeeded, int Failed, int Cancelled)
{
    /// <summary>Maps a trial.</summary>
    public static TrialView From(TrialState t) => new(t.TrialId, t.Index, t.Status, JsonDocument.Parse(t.Parameters.ToJson()).RootElement,
        t.PlannedRuns, t.Succeeded, t.Failed, t.Cancelled);
}

/// <summary>A run with, while it waits, the reason it is not running.</summary>
public sealed record RunView(string Id, string SweepId, string TrialId, int TrialIndex, int Fold, int Seed, string Status, int Attempt, int Failures,
    int GangSize, IReadOnlyList<string> Workers, DateTimeOffset? LeaseExpiresAt, string? LastError, string? PendingReason, DateTimeOffset UpdatedAt,
    IReadOnlyDictionary<string, string> Artifacts)
{
    /// <summary>Maps a stored run.</summary>
    public static RunView From(RunRecord r, string? pending) => new(r.State.RunId, r.State.SweepId, r.State.TrialId, r.TrialIndex, r.State.Fold, r.State.Seed,
        r.State.Status.ToWire(), r.State.Attempt, r.State.Failures, r.State.GangSize, r.State.Members.Select(m => m.WorkerId).ToList(), r.State.LeaseExpiresAt,
        r.State.LastError, pending, r.UpdatedAt, r.Artifacts);
}

/// <summary>A worker.</summary>
public sealed record WorkerView(string Id, string Name, string Status, int Slots, int ActiveRuns, int Cores, long MemoryMb, int Gpus, DateTimeOffset LastHeartbeat)
{
    /// <summary>Maps a worker.</summary>
    public static WorkerView From(WorkerState w) => new(w.WorkerId, w.Name, w.Status.ToString().ToLowerInvariant(), w.Slots, w.ActiveRuns, w.Cores, w.MemoryMb, w.Gpus, w.LastHeartbeat);
}

/// <summary>The lease a worker receives over HTTP (parameters as typed JSON).</summary>
public sealed record LeaseDto(string SweepId, string TrialId, string RunId, int TrialIndex, int Attempt, int GangSize, int Rank, IReadOnlyList<string> Peers,
    JsonElement Parameters, string Corpus, string Features, IReadOnlyDictionary<string, string> Labels, int Fold, int FoldCount, int Seed, string Validation,
    string ArtifactPrefix, RunStatus Status, double LeaseSeconds)
{
    /// <summary>From the scheduler's offer.</summary>
    public static LeaseDto From(LeaseOffer o)
    {
        var a = o.Assignment;
        return new(a.SweepId, a.TrialId, a.RunId, a.TrialIndex, a.Attempt, a.Gang.Size, a.Gang.Rank, a.Gang.Peers,
            JsonDocument.Parse(a.Parameters.ToJson()).RootElement, a.Protocol.Corpus, a.Protocol.Features, a.Protocol.Labels, a.Protocol.Fold,
            a.Protocol.FoldCount, a.Protocol.Seed, a.Protocol.Validation, a.ArtifactPrefix, o.Status, o.LeaseSeconds);
    }

    /// <summary>Back to the offer the worker loop executes.</summary>
    public LeaseOffer ToOffer() => new(new RunAssignment(SweepId, TrialId, RunId, TrialIndex, Attempt, new GangInfo(GangSize, Rank, Peers),
        TrialParameters.FromJson(Parameters.GetRawText()), new RunProtocol(Corpus, Features, Labels, Fold, FoldCount, Seed, Validation), ArtifactPrefix),
        Status, LeaseSeconds);
}

/// <summary>Body of renew.</summary>
public sealed record AttemptRequest(int Attempt);

/// <summary>Body of progress: one epoch.</summary>
public sealed record ProgressRequest(int Attempt, int Epoch, Dictionary<string, double> Values);

/// <summary>Body of metrics.</summary>
public sealed record MetricsRequest(int Attempt, List<MetricRow> Rows);

/// <summary>Body of complete.</summary>
public sealed record CompleteRequest(int Attempt, List<MetricRow> Metrics, Dictionary<string, string>? Artifacts, int EpochsTrained);

/// <summary>Body of fail.</summary>
public sealed record FailRequest(int Attempt, string Reason);

/// <summary>One learning-curve point.</summary>
public sealed record CurvePointView(int Epoch, string Name, double Value);

/// <summary>Per trial: its parameters and mean/std/n of each (split, level, metric) over its succeeded runs.</summary>
public sealed record TrialResultView(string TrialId, int Index, string Status, JsonElement Parameters, IReadOnlyList<MetricSummary> Metrics);

/// <summary>Mean and sample standard deviation of one metric over runs (folds × seeds).</summary>
public sealed record MetricSummary(string Split, string Level, string Name, double Mean, double Std, int N);
