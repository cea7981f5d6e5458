using Amber.Grains;
using Amber.Grains.Contracts;

namespace Amber.Silo.Tests.Cluster;

/// <summary>
/// For tests that act as workers themselves: answers a sweep's feature-set step as an executor that reads no features
/// does (the plan counts zero utterances, so the set is ready at once), as <c>amber worker --executor noop</c> would.
/// The feature-set steps themselves are tested in the grain and feature-set tests.
/// </summary>
internal static class NoFeatureSets
{
    /// <summary>True when <paramref name="item"/> was a feature-set step and has been answered.</summary>
    public static async Task<bool> AnswerAsync(IGrainFactory grains, string workerId, WorkItem item)
    {
        if (item.Kind != WorkKind.Features) return false;
        var task = item.Features!;
        await grains.GetGrain<IFeatureSetGrain>(task.SetKey).CompleteAsync(workerId,
            new FeatureTaskResult(task.Step, task.Index, task.Attempt, Plan: new FeaturePlan(0, 1, "none")));
        return true;
    }
}
