using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Amber.Grains.Contracts;
using Amber.Silo.Auth;
using Amber.Silo.Scheduling;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Amber.Silo.Api;

/// <summary>
/// Live events for dashboards and `watch`-style clients.
/// <code>
/// GET /api/events[?sweep={id}]    server-sent events: subscribed (first), run-started, run-progress, run-requeued,
///                                 run-finished, trial-finished, sweep-finished, sweep-completed (type = kind, data = SiloEvent JSON)
/// </code>
/// </summary>
public static class EventsApi
{
    /// <summary>Maps the route.</summary>
    public static IEndpointRouteBuilder MapEventsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/events", Stream).RequireAuthorization(SiloRoles.User).WithTags("events");
        return app;
    }

    private static ServerSentEventsResult<SiloEvent> Stream(string? sweep, SiloScheduler scheduler, HttpContext http) =>
        TypedResults.ServerSentEvents(ReadAsync(scheduler, sweep, http.RequestAborted));

    private static async IAsyncEnumerable<SseItem<SiloEvent>> ReadAsync(SiloScheduler scheduler, string? sweep, [EnumeratorCancellation] CancellationToken ct)
    {
        var reader = scheduler.Events.Subscribe(ct);
        // A first event flushes the response headers at once, so a client knows it is subscribed before anything happens.
        yield return new SseItem<SiloEvent>(new SiloEvent("subscribed", sweep ?? "*"), "subscribed");
        await foreach (var e in reader.ReadAllAsync(ct).ConfigureAwait(false))
            if (sweep is null || e.SweepId == sweep) yield return new SseItem<SiloEvent>(e, e.Kind);
    }
}
