using Amber.Grains.Contracts;
namespace Amber.Worker.Execution;

/// <summary>
/// Executes one attempt of one run (trial × fold × seed): trains, evaluates, writes artifacts. The worker loop calls it
/// after a lease is granted (and, for a gang, once every rank holds the run); it renews the lease while the call runs.
/// </summary>
/// <remarks>
/// Implementations must be safe to call concurrently for different runs (the in-process pool runs several at once) and
/// must stop promptly when <see cref="IRunContext.Aborted"/> or <paramref name="cancellationToken"/> fires: the lease
/// was lost or the sweep cancelled, and whatever the attempt reports afterwards is refused by the silo.
/// Throwing fails the attempt; the exception message becomes the failure reason (retried up to the sweep's limit).
/// </remarks>
public interface IRunExecutor
{
    /// <summary>Runs the attempt and returns its final metrics; progress goes through <paramref name="context"/>.</summary>
    Task<RunOutcome> ExecuteAsync(RunAssignment run, IRunContext context, CancellationToken cancellationToken);

    /// <summary>
    /// Does one step of preparing a sweep's feature set (plan, a shard, the manifest) and answers it. An executor that
    /// reads no feature set answers the plan with zero utterances, which makes the set ready at once: this default.
    /// </summary>
    Task<FeatureTaskResult> PrepareFeaturesAsync(FeatureTask task, Amber.Storage.Blobs.IBlobStore blobs, CancellationToken cancellationToken) =>
        Task.FromResult(task.Step == FeatureStep.Plan
            ? new FeatureTaskResult(task.Step, task.Index, task.Attempt, Plan: new FeaturePlan(0, 1, "none"))
            : new FeatureTaskResult(task.Step, task.Index, task.Attempt, Error: $"this executor reads no feature set and cannot do step {task.Step}", Permanent: true));
}
