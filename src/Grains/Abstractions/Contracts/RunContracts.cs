using Amber.Grains.Parameters;
using Amber.Grains.Runs;

namespace Amber.Grains.Contracts;

/// <summary>Everything an executor needs to know about the attempt it was handed.</summary>
/// <param name="SweepId">The sweep (e.g. "sw-20261124-171500-ab12").</param>
/// <param name="TrialId">The trial: "{sweep}-t{index:D3}".</param>
/// <param name="RunId">The run: "{trial}-f{fold}-s{seed}".</param>
/// <param name="TrialIndex">0-based index of the trial in the sweep.</param>
/// <param name="Attempt">1-based attempt number; a requeued run gets the next one.</param>
/// <param name="Gang">Data-parallel gang: size W and this worker's rank.</param>
/// <param name="Parameters">The trial's resolved hyperparameters (method + typed values).</param>
/// <param name="Protocol">Corpus, features, labels, fold and seed.</param>
/// <param name="ArtifactPrefix">Blob prefix owned by this attempt ("sweeps/{sweep}/runs/{run}/a{attempt}/").</param>
/// <param name="Checkpoints">
/// The checkpoints earlier attempts recorded with the run grain (oldest first, at most the retained number): the attempt
/// resumes from the newest whose content still has the recorded hash. Null or empty: train from the start.
/// </param>
[GenerateSerializer, Immutable]
public sealed record RunAssignment(
    string SweepId,
    string TrialId,
    string RunId,
    int TrialIndex,
    int Attempt,
    GangInfo Gang,
    TrialParameters Parameters,
    RunProtocol Protocol,
    string ArtifactPrefix,
    IReadOnlyList<CheckpointRef>? Checkpoints = null);

/// <summary>A training checkpoint in the blob store, as the run grain records it.</summary>
/// <param name="Name">Blob name, under the writing attempt's prefix (".../a{attempt}/checkpoints/epoch-000003.ckpt").</param>
/// <param name="Epoch">Epochs completed when it was written.</param>
/// <param name="Attempt">The attempt that wrote it.</param>
/// <param name="Sha256">SHA-256 of the blob's bytes, lower-case hex: a resumed attempt refuses a blob that does not match.</param>
[GenerateSerializer, Immutable]
public sealed record CheckpointRef(string Name, int Epoch, int Attempt, string Sha256);

/// <summary>The run grain's answer to a recorded checkpoint.</summary>
/// <param name="Accepted">False when the attempt is no longer current (the checkpoint is not recorded).</param>
/// <param name="Dropped">Older checkpoints the run no longer keeps: the writer deletes their blobs.</param>
/// <param name="Reason">Why it was refused.</param>
[GenerateSerializer, Immutable]
public sealed record CheckpointAck(bool Accepted, IReadOnlyList<CheckpointRef> Dropped, string? Reason);

/// <summary>Where this worker stands in the run's gang. W = 1 for single-worker runs.</summary>
/// <param name="Size">Number of workers that train the run together.</param>
/// <param name="Rank">This worker's 0-based rank.</param>
/// <param name="Peers">Worker ids by rank (index = rank), so ranks can find each other.</param>
/// <param name="Endpoints">
/// Each rank's ring listener, <c>host:port</c> by rank (what its worker advertised when it registered); complete once the
/// gang is running. Null for a gang of one, which needs no connection.
/// </param>
[GenerateSerializer, Immutable]
public sealed record GangInfo(int Size, int Rank, IReadOnlyList<string> Peers, IReadOnlyList<string>? Endpoints = null)
{
    /// <summary>A gang of one.</summary>
    public static GangInfo Single(string workerId) => new(1, 0, [workerId]);
}

/// <summary>The evaluation protocol of a run.</summary>
/// <param name="Corpus">Corpus spec as written in the sweep: "synthetic", "iemocap:&lt;path&gt;", "msp:&lt;path&gt;".</param>
/// <param name="Features">Feature spec: "builtin" or "npy:&lt;dir&gt;".</param>
/// <param name="Labels">Label options from the sweep's <c>labels</c> map (subset, include_self, …), values as written.</param>
/// <param name="Fold">1-based fold number (leave-one-session-out: fold k tests on session k).</param>
/// <param name="FoldCount">Number of folds of the protocol.</param>
/// <param name="Seed">The run's seed (initialisation, shuffling, validation split).</param>
/// <param name="Validation">Validation split scheme from the sweep ("random" or "speaker").</param>
[GenerateSerializer, Immutable]
public sealed record RunProtocol(
    string Corpus,
    string Features,
    IReadOnlyDictionary<string, string> Labels,
    int Fold,
    int FoldCount,
    int Seed,
    string Validation);

/// <summary>One epoch's learning-curve values, e.g. {"train_loss": 0.61, "val_js": 0.21}.</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="Values">Metric name → value.</param>
[GenerateSerializer, Immutable]
public sealed record EpochProgress(int Epoch, IReadOnlyDictionary<string, double> Values);

/// <summary>
/// One final metric value of an attempt: e.g. (split "test", level "high", name "bc", 0.81).
/// Recording the same key again replaces the value.
/// </summary>
/// <param name="Split">"test", "val" or "train".</param>
/// <param name="Level">Ambiguity level: "all", "low", "medium", "high".</param>
/// <param name="Name">Metric name: bc, js, kl, r2, r2_sample, accuracy, f1_macro, f1_weighted, ece, loss, …</param>
/// <param name="Value">The value.</param>
[GenerateSerializer, Immutable]
public sealed record MetricRow(string Split, string Level, string Name, double Value);

/// <summary>What a successful attempt returns.</summary>
/// <param name="Metrics">Final metric rows (stored with the commit, atomically).</param>
/// <param name="Artifacts">Blob names the attempt wrote, by role ("metrics" → ".../metrics.parquet", "predictions", "curves", …).</param>
/// <param name="EpochsTrained">Epochs actually trained (early stopping may end before max_epochs).</param>
[GenerateSerializer, Immutable]
public sealed record RunOutcome(
    IReadOnlyList<MetricRow> Metrics,
    IReadOnlyDictionary<string, string> Artifacts,
    int EpochsTrained)
{
    /// <summary>An outcome with no rows and no artifacts.</summary>
    public static RunOutcome Empty { get; } = new([], new Dictionary<string, string>(), 0);
}

/// <summary>The run grain's answer to renew/progress/complete/fail.</summary>
/// <param name="Accepted">False when the attempt is no longer current (the worker must stop and drop its work).</param>
/// <param name="Status">The run's status now.</param>
/// <param name="Attempt">The run's current attempt.</param>
/// <param name="Peers">Gang members by rank (final once running).</param>
/// <param name="Reason">Why it was refused, or why nothing changed.</param>
/// <param name="Endpoints">The gang members' ring endpoints by rank (empty strings for workers that advertised none).</param>
[GenerateSerializer, Immutable]
public sealed record RunAck(bool Accepted, RunStatus Status, int Attempt, IReadOnlyList<string> Peers, string? Reason,
    IReadOnlyList<string>? Endpoints = null);

/// <summary>A run as the cluster reports it.</summary>
[GenerateSerializer, Immutable]
public sealed record RunInfo(
    string RunId,
    string SweepId,
    string TrialId,
    int TrialIndex,
    int Fold,
    int Seed,
    RunStatus Status,
    int Attempt,
    int Failures,
    int GangSize,
    IReadOnlyList<string> Workers,
    DateTimeOffset? LeaseExpiresAt,
    string? LastError,
    DateTimeOffset UpdatedAt,
    IReadOnlyDictionary<string, string> Artifacts,
    CheckpointRef? LatestCheckpoint = null);

/// <summary>One learning-curve value of a run's attempt.</summary>
[GenerateSerializer, Immutable]
public sealed record CurvePoint(int Attempt, int Epoch, string Name, double Value);

/// <summary>The final state of one run as seen by aggregation.</summary>
/// <param name="RunId">The run.</param>
/// <param name="Fold">1-based fold.</param>
/// <param name="Seed">Seed.</param>
/// <param name="Status">"succeeded", "failed" or "cancelled".</param>
/// <param name="Attempt">The attempt whose results count (the committed one).</param>
/// <param name="Metrics">That attempt's metric rows (empty unless succeeded).</param>
/// <param name="Artifacts">That attempt's artifacts by role.</param>
/// <param name="FailureReason">Why it failed or was cancelled; null when it succeeded.</param>
[GenerateSerializer, Immutable]
public sealed record RunResult(
    string RunId,
    int Fold,
    int Seed,
    string Status,
    int Attempt,
    IReadOnlyList<MetricRow> Metrics,
    IReadOnlyDictionary<string, string> Artifacts,
    string? FailureReason);

/// <summary>A trial with its parameters and the results of its runs.</summary>
[GenerateSerializer, Immutable]
public sealed record TrialResults(string SweepId, string TrialId, int TrialIndex, TrialParameters Parameters, string Status, IReadOnlyList<RunResult> Runs);

/// <summary>A sweep's results: its name, state, the blob prefix for sweep-level outputs and all trials.</summary>
/// <param name="SweepId">The sweep.</param>
/// <param name="Name">The name from the spec.</param>
/// <param name="Status">"running", "succeeded", "failed" (some run failed) or "cancelled".</param>
/// <param name="OutputPrefix">"sweeps/{id}/": where sweep-level outputs belong.</param>
/// <param name="SpecText">The submitted sweep document (YAML or JSON) exactly as accepted.</param>
/// <param name="Trials">Every trial with its runs.</param>
[GenerateSerializer, Immutable]
public sealed record SweepResults(string SweepId, string Name, string Status, string OutputPrefix, string SpecText, IReadOnlyList<TrialResults> Trials);

/// <summary>What a sweep tells a run grain when it leases the run (the run grain initialises itself from it once).</summary>
[GenerateSerializer, Immutable]
public sealed record RunPlan(
    string RunId,
    string SweepId,
    string TrialId,
    int TrialIndex,
    TrialParameters Parameters,
    RunProtocol Protocol,
    int GangSize,
    int MaxRetries)
{
    /// <summary>The sweep prunes by learning curves: the run grain asks it after every reported epoch.</summary>
    [Id(100)] public bool AskToPrune { get; init; }
}

/// <summary>The answer to a lease: the work item when granted, else why not, with the run as it is now.</summary>
[GenerateSerializer, Immutable]
public sealed record RunLeaseResult(WorkItem? Work, string? Reason, RunInfo Run);
