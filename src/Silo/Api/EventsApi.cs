using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Amber.Grains.Contracts;
using Amber.Silo.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Orleans.Streams;

namespace Amber.Silo.Api;

/// <summary>
/// Live events for dashboards and <c>watch</c>-style clients, from the Orleans streams the grains publish on, so the
/// endpoint of any silo sees every sweep's events wherever its grains live.
/// <code>
/// GET /api/events[?sweep={id}]    server-sent events: subscribed (first), run-started, run-progress, run-requeued,
///                                 run-finished, trial-finished, sweep-finished, sweep-completed (type = kind, data = SweepEvent JSON)
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

    private static ServerSentEventsResult<SweepEvent> Stream(string? sweep, IClusterClient client, HttpContext http) =>
        TypedResults.ServerSentEvents(ReadAsync(client, sweep, http.RequestAborted));

    private static async IAsyncEnumerable<SseItem<SweepEvent>> ReadAsync(IClusterClient client, string? sweep, [EnumeratorCancellation] CancellationToken ct)
    {
        // A reader that falls behind loses its oldest events rather than slowing the grains down.
        var channel = Channel.CreateBounded<SweepEvent>(new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        var provider = client.GetStreamProvider(SweepEvents.StreamProvider);
        var stream = sweep is null
            ? provider.GetStream<SweepEvent>(StreamId.Create(SweepEvents.AllNamespace, SweepEvents.AllKey))
            : provider.GetStream<SweepEvent>(StreamId.Create(SweepEvents.SweepNamespace, sweep));
        var subscription = await stream.SubscribeAsync((e, _) =>
        {
            channel.Writer.TryWrite(e);
            return Task.CompletedTask;
        }).ConfigureAwait(false);
        try
        {
            // A first event flushes the response headers at once, so a client knows it is subscribed before anything happens.
            yield return new SseItem<SweepEvent>(new SweepEvent("subscribed", sweep ?? "*"), "subscribed");
            await foreach (var e in channel.Reader.ReadAllAsync(ct).ConfigureAwait(false)) yield return new SseItem<SweepEvent>(e, e.Kind);
        }
        finally
        {
            await subscription.UnsubscribeAsync().ConfigureAwait(false);
        }
    }
}
