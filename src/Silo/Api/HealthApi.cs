using Amber.Grains;
using Amber.Silo.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Amber.Silo.Api;

/// <summary>
/// <code>GET /health    open: the cluster answers a grain call    200 {status, store, schemaVersion} | 503</code>
/// </summary>
public static class HealthApi
{
    /// <summary>The health answer: the grain-state backend and the version of the grain contracts.</summary>
    public sealed record Health(string Status, string Store, int SchemaVersion);

    /// <summary>The version of the grain states and contracts this silo writes.</summary>
    public const int SchemaVersion = 2;

    /// <summary>Maps the route.</summary>
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", CheckAsync).AllowAnonymous().WithTags("health");
        return app;
    }

    private static async Task<Results<Ok<Health>, ProblemHttpResult>> CheckAsync(IGrainFactory grains, SiloProfile profile, CancellationToken ct)
    {
        try
        {
            await grains.GetGrain<ISweepRegistryGrain>(0).ListAsync().WaitAsync(TimeSpan.FromSeconds(5), ct).ConfigureAwait(false);
            return TypedResults.Ok(new Health("ok", profile.StateStore, SchemaVersion));
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Cluster unavailable", detail: ex.GetType().Name);
        }
    }
}
