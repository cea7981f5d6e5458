using System.Text.Json;
using Amber.Grains.Contracts;
using Amber.Grains.Runs;
using Amber.Grains.Sweeps;

namespace Amber.Silo.Api;

/// <summary>A sweep as the API shows it.</summary>
public sealed record SweepView(string Id, string Name, string Status, int PlannedRuns, int Succeeded, int Failed, int Cancelled, int ActiveRuns,
    int MaxParallelRuns, DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt, bool Completed, string? CompletionError)
{
    /// <summary>Maps a sweep grain's answer.</summary>
    public static SweepView From(SweepInfo s) => new(s.SweepId, s.Name, s.Status.ToWire(), s.PlannedRuns, s.Succeeded, s.Failed, s.Cancelled,
        s.ActiveRuns, s.MaxParallelRuns, s.CreatedAt, s.FinishedAt, s.Completed, s.CompletionError);
}

/// <summary>A trial with its parameters (typed JSON values) and run counts.</summary>
public sealed record TrialView(string Id, int Index, string Status, JsonElement Parameters, int PlannedRuns, int Succeeded, int Failed, int Cancelled)
{
    /// <summary>Maps a trial.</summary>
    public static TrialView From(TrialInfo t) => new(t.TrialId, t.Index, t.Status, Json(t.ParametersJson), t.PlannedRuns, t.Succeeded, t.Failed, t.Cancelled);

    internal static JsonElement Json(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.Clone();
    }
}

/// <summary>A run with, while it waits, the reason it is not running.</summary>
public sealed record RunView(string Id, string SweepId, string TrialId, int TrialIndex, int Fold, int Seed, string Status, int Attempt, int Failures,
    int GangSize, IReadOnlyList<string> Workers, DateTimeOffset? LeaseExpiresAt, string? LastError, string? PendingReason, DateTimeOffset UpdatedAt,
    IReadOnlyDictionary<string, string> Artifacts)
{
    /// <summary>Maps a run.</summary>
    public static RunView From(RunInfo r, string? pending) => new(r.RunId, r.SweepId, r.TrialId, r.TrialIndex, r.Fold, r.Seed, r.Status.ToWire(), r.Attempt,
        r.Failures, r.GangSize, r.Workers, r.LeaseExpiresAt, r.LastError, pending, r.UpdatedAt, r.Artifacts);
}

/// <summary>A worker: what it declared, whether it is alive, what it runs.</summary>
public sealed record WorkerView(string Id, string Name, string Status, int Slots, int ActiveRuns, int Cores, long MemoryMb, int Gpus, DateTimeOffset LastHeartbeat,
    IReadOnlyList<string> Runs)
{
    /// <summary>Maps a worker.</summary>
    public static WorkerView From(WorkerInfo w) => new(w.WorkerId, w.Capabilities.Name, w.Status, w.Capabilities.Slots, w.Runs.Count, w.Capabilities.Cores,
        w.Capabilities.MemoryMb, w.Capabilities.Gpus, w.LastHeartbeat, w.Runs);
}

/// <summary>One learning-curve point.</summary>
public sealed record CurvePointView(int Epoch, string Name, double Value);

/// <summary>Per trial: its parameters and mean/std/n of each (split, level, metric) over its succeeded runs.</summary>
public sealed record TrialResultView(string TrialId, int Index, string Status, JsonElement Parameters, IReadOnlyList<MetricSummary> Metrics,
    IReadOnlyList<ComparisonView>? VsBaseline = null);

/// <summary>
/// One metric of a trial against its baseline trial (the <c>ce</c> trial with the same other parameters), paired over
/// folds × seeds: mean difference trial − baseline with its 95 % interval, paired t and Wilcoxon p, and whether p(t) &lt; 0.05.
/// </summary>
public sealed record ComparisonView(string Baseline, string Split, string Level, string Name, int Pairs, double MeanDifference, double CiLow, double CiHigh,
    double? PairedTP, double? WilcoxonP, bool Significant);

/// <summary>Mean and sample standard deviation of one metric over runs (folds × seeds).</summary>
public sealed record MetricSummary(string Split, string Level, string Name, double Mean, double Std, int N);
