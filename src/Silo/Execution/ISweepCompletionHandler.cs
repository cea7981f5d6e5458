using Amber.Grains.Parameters;
using Amber.Storage.Blobs;

namespace Amber.Silo.Execution;

/// <summary>
/// Called by the silo after the commit that finishes a trial (all its runs are finished) and after the commit that
/// finishes a sweep. The experiment code writes fold/seed aggregates and <c>summary.parquet</c> here.
/// </summary>
/// <remarks>
/// Calls happen at least once per finished trial/sweep, on the silo that committed the finishing transition, after the
/// commit. A handler failure is logged and recorded on the sweep (<c>completion_error</c>); it does not change run states.
/// Handlers must be idempotent (write with atomic replace) because a silo restart may call them again.
/// </remarks>
public interface ISweepCompletionHandler
{
    /// <summary>All runs of <paramref name="trial"/> are finished (succeeded, failed or cancelled).</summary>
    Task OnTrialFinishedAsync(TrialResults trial, IBlobStore blobs, CancellationToken cancellationToken);

    /// <summary>The sweep finished; <paramref name="sweep"/> holds every trial and run result.</summary>
    Task OnSweepFinishedAsync(SweepResults sweep, IBlobStore blobs, CancellationToken cancellationToken);
}

/// <summary>The final state of one run as seen by aggregation.</summary>
/// <param name="RunId">The run.</param>
/// <param name="Fold">1-based fold.</param>
/// <param name="Seed">Seed.</param>
/// <param name="Status">"succeeded", "failed" or "cancelled".</param>
/// <param name="Attempt">The attempt whose results count (the committed one).</param>
/// <param name="Metrics">That attempt's metric rows (empty unless succeeded).</param>
/// <param name="Artifacts">That attempt's artifacts by role.</param>
/// <param name="FailureReason">Why it failed or was cancelled; null when it succeeded.</param>
public sealed record RunResult(
    string RunId,
    int Fold,
    int Seed,
    string Status,
    int Attempt,
    IReadOnlyList<MetricRow> Metrics,
    IReadOnlyDictionary<string, string> Artifacts,
    string? FailureReason);

/// <summary>A finished trial with its parameters and the results of its runs.</summary>
public sealed record TrialResults(string SweepId, string TrialId, int TrialIndex, TrialParameters Parameters, string Status, IReadOnlyList<RunResult> Runs);

/// <summary>A finished sweep: its name, state, the blob prefix for sweep-level outputs and all trials.</summary>
/// <param name="SweepId">The sweep.</param>
/// <param name="Name">The name from the spec.</param>
/// <param name="Status">"succeeded", "failed" (some run failed) or "cancelled".</param>
/// <param name="OutputPrefix">"sweeps/{id}/": where summary.parquet belongs.</param>
/// <param name="SpecText">The submitted sweep document (YAML or JSON) exactly as accepted.</param>
/// <param name="Trials">Every trial with its runs.</param>
public sealed record SweepResults(string SweepId, string Name, string Status, string OutputPrefix, string SpecText, IReadOnlyList<TrialResults> Trials);
