using System.Diagnostics;
using System.Net;
using Amber.Worker.Collectives;

namespace Amber.Worker.Tests.Collectives;

/// <summary>
/// A gang of three where rank 2 is a real child process: killed, or stopped with SIGSTOP. Ranks 0 and 1 (threads here)
/// must both fail the collective with a <see cref="CollectiveException"/>: at once for a dead peer, within the configured
/// timeout for a silent one, never hang.
/// </summary>
public sealed class PeerFailureTests
{
    private const int Floats = 50_000;

    [Fact]
    public void A_killed_peer_fails_every_rank_at_once()
    {
        // A long timeout: passing fast proves the death was seen from the connection (EOF/reset), not by waiting.
        var timeout = TimeSpan.FromSeconds(30);
        using var child = RingPeerProcess.Start(timeout.TotalSeconds, Floats);
        var ranks = FormWithChild(child, "kill-test", timeout);
        try
        {
            child.Kill();
            var stopwatch = Stopwatch.StartNew();
            var errors = LocalGang.OnEachRank(ranks, c => c.AllReduceSum(new float[Floats]));
            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"took {stopwatch.Elapsed.TotalSeconds:F1} s to notice a dead peer");

            var rank0 = Assert.IsType<CollectiveException>(errors[0]);
            Assert.Equal(CollectiveFailure.ConnectionLost, rank0.Failure);
            Assert.Equal(2, rank0.PeerRank); // rank 0 receives from rank 2
            Assert.Contains("rank 2", rank0.Message, StringComparison.Ordinal);
            var rank1 = Assert.IsType<CollectiveException>(errors[1]);
            Assert.Equal(CollectiveFailure.ConnectionLost, rank1.Failure);
            Assert.Contains(rank1.PeerRank, new int?[] { 0, 2 }); // sends to the dead rank 2, or sees rank 0 give up
        }
        finally
        {
            Dispose(ranks);
        }
    }

    [Fact]
    public void A_stopped_peer_is_detected_within_the_timeout_on_every_rank()
    {
        var timeout = TimeSpan.FromSeconds(3);
        using var child = RingPeerProcess.Start(timeout.TotalSeconds, Floats);
        var ranks = FormWithChild(child, "stop-test", timeout);
        try
        {
            child.Signal("STOP");
            var stopwatch = Stopwatch.StartNew();
            var errors = LocalGang.OnEachRank(ranks, c => c.AllReduceSum(new float[Floats]));
            var elapsed = stopwatch.Elapsed;
            Assert.InRange(elapsed.TotalSeconds, 0.8 * timeout.TotalSeconds, timeout.TotalSeconds + 8);

            var rank0 = Assert.IsType<CollectiveException>(errors[0]);
            Assert.Equal(CollectiveFailure.Timeout, rank0.Failure);
            Assert.Equal(2, rank0.PeerRank);
            Assert.Contains("no bytes from rank 2", rank0.Message, StringComparison.Ordinal);
            // Rank 1 times out itself or sees rank 0 shut its sockets; either way it fails, and does not hang.
            var rank1 = Assert.IsType<CollectiveException>(errors[1]);
            Assert.Contains(rank1.Failure, new[] { CollectiveFailure.Timeout, CollectiveFailure.ConnectionLost });
        }
        finally
        {
            child.Kill(); // SIGKILL ends a stopped process too
            Dispose(ranks);
        }
    }

    /// <summary>Forms ranks 0 and 1 here and rank 2 in <paramref name="child"/>, then runs one all-reduce to prove the ring works.</summary>
    private static ICollective[] FormWithChild(RingPeerProcess child, string gangId, TimeSpan timeout)
    {
        var options = new CollectiveOptions(Timeout: timeout, ConnectTimeout: TimeSpan.FromSeconds(30));
        var listeners = new[] { RingListener.Start(IPAddress.Loopback), RingListener.Start(IPAddress.Loopback) };
        try
        {
            string[] endpoints = [listeners[0].Endpoint, listeners[1].Endpoint, child.Endpoint];
            child.JoinGang(gangId, 2, endpoints);
            var connecting = Enumerable.Range(0, 2)
                .Select(rank => TcpRingCollective.ConnectAsync(listeners[rank], new GangMembership(gangId, rank, endpoints), options))
                .ToArray();
            var ranks = connecting.Select(t => t.GetAwaiter().GetResult()).ToArray();

            child.Reduce();
            var buffers = new[] { new float[Floats], new float[Floats] };
            Array.Fill(buffers[0], 1f);
            Array.Fill(buffers[1], 2f);
            Assert.All(LocalGang.OnEachRank(ranks, c => c.AllReduceSum(buffers[c.Rank])), Assert.Null);
            Assert.All(buffers, b => Assert.All(b, x => Assert.Equal(6f, x))); // 1 + 2 + 3 (the child is rank 2)
            Assert.Equal("reduced 6", child.ReadLine(TimeSpan.FromSeconds(10)));
            return ranks;
        }
        finally
        {
            foreach (var listener in listeners)
            {
                listener.Dispose();
            }
        }
    }

    private static void Dispose(ICollective[] ranks)
    {
        foreach (var rank in ranks)
        {
            rank?.Dispose();
        }
    }
}
