using Amber.Grains.Contracts;
using Amber.Silo.Auth;
using Amber.Silo.Scheduling;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Amber.Silo.Api;

/// <summary>
/// Runs, for users.
/// <code>
/// GET /api/runs/{id}            status, attempt, workers, pending reason     200 RunView | 404
/// GET /api/runs/{id}/metrics    metric rows of the committed attempt         200 MetricRow[] | 404
/// GET /api/runs/{id}/curves     learning curve of the latest attempt         200 CurvePointView[] | 404
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
        return app;
    }

    private static async Task<Results<Ok<RunView>, ProblemHttpResult>> GetAsync(string id, SiloScheduler scheduler, CancellationToken ct) =>
        await scheduler.DescribeRunAsync(id, ct).ConfigureAwait(false) is { } d ? TypedResults.Ok(RunView.From(d.Run, d.PendingReason)) : NotFound(id);

    private static async Task<Results<Ok<Amber.Grains.Contracts.MetricRow[]>, ProblemHttpResult>> MetricsAsync(string id, SiloScheduler scheduler, CancellationToken ct)
    {
        if (await scheduler.Store.GetRunAsync(id, ct).ConfigureAwait(false) is null) return NotFound(id);
        return TypedResults.Ok((await scheduler.Store.GetMetricsAsync(id, null, ct).ConfigureAwait(false)).ToArray());
    }

    private static async Task<Results<Ok<CurvePointView[]>, ProblemHttpResult>> CurvesAsync(string id, SiloScheduler scheduler, CancellationToken ct)
    {
        if (await scheduler.Store.GetRunAsync(id, ct).ConfigureAwait(false) is null) return NotFound(id);
        return TypedResults.Ok((await scheduler.Store.GetCurveAsync(id, null, ct).ConfigureAwait(false)).Select(p => new CurvePointView(p.Epoch, p.Name, p.Value)).ToArray());
    }

    internal static ProblemHttpResult NotFound(string id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Run not found", detail: $"no run has id '{id}'");
}
