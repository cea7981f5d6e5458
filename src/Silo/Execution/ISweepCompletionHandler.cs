using Amber.Grains.Contracts;
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
