using Amber.Grains.Parameters;

namespace Amber.Silo.Execution;

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
public sealed record RunAssignment(
    string SweepId,
    string TrialId,
    string RunId,
    int TrialIndex,
    int Attempt,
    GangInfo Gang,
    TrialParameters Parameters,
    RunProtocol Protocol,
    string ArtifactPrefix);

/// <summary>Where this worker stands in the run's gang. W = 1 for single-worker runs.</summary>
/// <param name="Size">Number of workers that train the run together.</param>
/// <param name="Rank">This worker's 0-based rank.</param>
/// <param name="Peers">Worker ids by rank (index = rank), so ranks can find each other.</param>
public sealed record GangInfo(int Size, int Rank, IReadOnlyList<string> Peers)
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
public sealed record RunProtocol(
    string Corpus,
    string Features,
    IReadOnlyDictionary<string, string> Labels,
    int Fold,
    int FoldCount,
    int Seed,
    string Validation);
