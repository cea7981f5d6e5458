using System.Net;
using Amber.Worker.Collectives;

namespace Amber.Worker.Tests.Collectives;

/// <summary>A gang of ranks in this process, one thread each, connected over real TCP on 127.0.0.1.</summary>
internal sealed class LocalGang : IDisposable
{
    private LocalGang(ICollective[] ranks) => Ranks = ranks;

    /// <summary>The ranks' collectives, index = rank.</summary>
    public ICollective[] Ranks { get; }

    /// <summary>Starts W listeners and forms the ring.</summary>
    public static LocalGang Form(int world, CollectiveOptions? options = null, string gangId = "test-gang")
    {
        var listeners = Enumerable.Range(0, world).Select(_ => RingListener.Start(IPAddress.Loopback)).ToArray();
        try
        {
            var endpoints = listeners.Select(l => l.Endpoint).ToArray();
            var connecting = Enumerable.Range(0, world)
                .Select(rank => TcpRingCollective.ConnectAsync(listeners[rank], new GangMembership(gangId, rank, endpoints), options))
                .ToArray();
            Task.WaitAll(connecting);
            return new LocalGang(connecting.Select(t => t.Result).ToArray());
        }
        finally
        {
            foreach (var listener in listeners)
            {
                listener.Dispose();
            }
        }
    }

    /// <summary>Runs <paramref name="body"/> on every rank at once, one thread each; returns each rank's exception (or null).</summary>
    public Exception?[] OnEveryRank(Action<ICollective> body) => OnEachRank(Ranks, body);

    /// <summary>Runs <paramref name="body"/> for every given rank at once, one thread each; returns each one's exception (or null).</summary>
    public static Exception?[] OnEachRank(IReadOnlyList<ICollective> ranks, Action<ICollective> body)
    {
        var errors = new Exception?[ranks.Count];
        var threads = Enumerable.Range(0, ranks.Count).Select(i => new Thread(() =>
        {
            try
            {
                body(ranks[i]);
            }
            catch (Exception ex)
            {
                errors[i] = ex;
            }
        })).ToArray();
        foreach (var thread in threads)
        {
            thread.Start();
        }
        foreach (var thread in threads)
        {
            thread.Join();
        }
        return errors;
    }

    public void Dispose()
    {
        foreach (var rank in Ranks)
        {
            rank.Dispose();
        }
    }
}
