using Amber.Grains;
using Amber.Grains.Contracts;
using Amber.Grains.Scheduling;
using Amber.Silo.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Amber.Silo.Api;

/// <summary>
/// Runs and workers, for users.
/// <code>
/// GET /api/runs/{id}            status, attempt, workers, pending reason     200 RunView | 404
/// GET /api/runs/{id}/metrics    metric rows of the committed attempt         200 MetricRow[] | 404
/// GET /api/runs/{id}/curves     learning curve of the latest attempt         200 CurvePointView[] | 404
/// GET /api/workers              workers: capabilities, liveness, runs        200 WorkerView[]
/// </code>
/// </summary>
public static class RunsApi
{
    /// <summary>Maps the routes.</summary>
    public static IEndpointRouteBuilder MapRunsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/runs").RequireAuthorization(SiloRoles.User).WithTags("runs");
        api.MapGet("/{id}", GetAsync);
        api.MapGet("/{id}/metrics", MetricsAsync);
        api.MapGet("/{id}/curves", CurvesAsync);
        app.MapGet("/api/workers", WorkersAsync).RequireAuthorization(SiloRoles.User).WithTags("workers");
        return app;
    }

    private static async Task<Results<Ok<RunView>, ProblemHttpResult>> GetAsync(string id, IGrainFactory grains)
    {
        if (await grains.GetGrain<IRunGrain>(id).GetAsync().ConfigureAwait(false) is not { } run)
            return await QueuedRunAsync(id, grains).ConfigureAwait(false) is { } queued ? TypedResults.Ok(queued) : NotFound(id);
        string? pending = null;
        if (run.Status is Grains.Runs.RunStatus.Queued or Grains.Runs.RunStatus.Gathering)
        {
            var sweep = await grains.GetGrain<ISweepGrain>(run.SweepId).GetAsync().ConfigureAwait(false);
            var capacity = await grains.GetGrain<ISchedulerGrain>(0).GetCapacityAsync().ConfigureAwait(false);
            var position = (await grains.GetGrain<ISweepGrain>(run.SweepId).GetRunsAsync().ConfigureAwait(false)).FirstOrDefault(r => r.Run.RunId == id)?.QueuePosition ?? 0;
            if (sweep is not null) pending = PendingReasons.Explain(run, sweep, capacity, Math.Max(0, position));
        }
        return TypedResults.Ok(RunView.From(run, pending));
    }

    // A run that was never leased has no run grain state yet; its sweep (named by the run id) knows it.
    private static async Task<RunView?> QueuedRunAsync(string id, IGrainFactory grains)
    {
        int t = id.LastIndexOf("-t", StringComparison.Ordinal);
        if (t <= 0) return null;
        var sweepGrain = grains.GetGrain<ISweepGrain>(id[..t]);
        if (await sweepGrain.GetAsync().ConfigureAwait(false) is not { } sweep) return null;
        var entry = (await sweepGrain.GetRunsAsync().ConfigureAwait(false)).FirstOrDefault(r => r.Run.RunId == id);
        if (entry is null) return null;
        var capacity = await grains.GetGrain<ISchedulerGrain>(0).GetCapacityAsync().ConfigureAwait(false);
        return RunView.From(entry.Run, PendingReasons.Explain(entry.Run, sweep, capacity, Math.Max(0, entry.QueuePosition)));
    }

    private static async Task<Results<Ok<MetricRow[]>, ProblemHttpResult>> MetricsAsync(string id, IGrainFactory grains)
    {
        var grain = grains.GetGrain<IRunGrain>(id);
        if (await grain.GetAsync().ConfigureAwait(false) is null)
            return await QueuedRunAsync(id, grains).ConfigureAwait(false) is null ? NotFound(id) : TypedResults.Ok(Array.Empty<MetricRow>());
        var result = await grain.GetResultAsync().ConfigureAwait(false);
        return TypedResults.Ok(result?.Metrics.ToArray() ?? []);
    }

    private static async Task<Results<Ok<CurvePointView[]>, ProblemHttpResult>> CurvesAsync(string id, IGrainFactory grains)
    {
        var grain = grains.GetGrain<IRunGrain>(id);
        if (await grain.GetAsync().ConfigureAwait(false) is null)
            return await QueuedRunAsync(id, grains).ConfigureAwait(false) is null ? NotFound(id) : TypedResults.Ok(Array.Empty<CurvePointView>());
        return TypedResults.Ok((await grain.GetCurveAsync().ConfigureAwait(false)).Select(p => new CurvePointView(p.Epoch, p.Name, p.Value)).ToArray());
    }

    private static async Task<Ok<WorkerView[]>> WorkersAsync(IGrainFactory grains)
    {
        var ids = await grains.GetGrain<ISchedulerGrain>(0).ListWorkersAsync().ConfigureAwait(false);
        var workers = await Task.WhenAll(ids.Select(id => grains.GetGrain<IWorkerGrain>(id).GetAsync())).ConfigureAwait(false);
        return TypedResults.Ok(workers.OfType<WorkerInfo>().Select(WorkerView.From).OrderBy(w => w.Name, StringComparer.Ordinal).ThenBy(w => w.Id, StringComparer.Ordinal).ToArray());
    }

    internal static ProblemHttpResult NotFound(string id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Run not found", detail: $"no run has id '{id}'");
}
