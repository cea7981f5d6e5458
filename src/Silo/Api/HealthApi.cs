using Amber.Grains.Contracts;
using Amber.Silo.Scheduling;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Amber.Silo.Api;

/// <summary>
/// <code>GET /health    open: the store answers and its schema version    200 {status, store, schemaVersion} | 503</code>
/// </summary>
public static class HealthApi
{
    /// <summary>The health answer.</summary>
    public sealed record Health(string Status, string Store, int SchemaVersion);

    /// <summary>Maps the route.</summary>
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", CheckAsync).AllowAnonymous().WithTags("health");
        return app;
    }

    private static async Task<Results<Ok<Health>, ProblemHttpResult>> CheckAsync(SiloScheduler scheduler, CancellationToken ct)
    {
        try
        {
            return TypedResults.Ok(new Health("ok", scheduler.Store.Backend, await scheduler.Store.GetSchemaVersionAsync(ct).ConfigureAwait(false)));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "State store unavailable", detail: ex.GetType().Name);
        }
    }
}
