using System.Net;
using System.Net.Sockets;
using Amber.Worker.Collectives;

namespace Amber.Worker.Tests.Collectives;

/// <summary>The ring all-reduce on real sockets: sums, determinism, odd lengths, the handshake and misuse.</summary>
public sealed class TcpRingCollectiveTests
{
    // Tiny chunks (16 floats) so even short buffers go through many pipelined chunks per step.
    private static readonly CollectiveOptions SmallChunks = new(Timeout: TimeSpan.FromSeconds(20), ChunkBytes: 64);

    [Theory]
    [InlineData(2, 1)]
    [InlineData(2, 1001)]
    [InlineData(3, 0)]
    [InlineData(3, 2)]
    [InlineData(3, 100_003)]
    [InlineData(4, 7)]
    [InlineData(4, 4096)]
    public void All_ranks_get_the_sum_in_the_documented_order_bit_for_bit(int world, int length)
    {
        var inputs = RandomInputs(world, length, seed: world * 1000 + length);
        var expected = RingOrderSum(inputs);
        using var gang = LocalGang.Form(world, SmallChunks);
        var outputs = inputs.Select(x => (float[])x.Clone()).ToArray();

        // Twice: the second call reuses the collective and must give the same bits.
        for (var call = 0; call < 2; call++)
        {
            var run = inputs.Select(x => (float[])x.Clone()).ToArray();
            var errors = gang.OnEveryRank(c => c.AllReduceSum(run[c.Rank]));
            Assert.All(errors, Assert.Null);
            for (var rank = 0; rank < world; rank++)
            {
                Assert.Equal(expected, run[rank]);
            }
            outputs = run;
        }
        // And close to the exact (double) sum, which catches a wrong segment or a chunk added twice.
        for (var i = 0; i < length; i++)
        {
            var exact = inputs.Sum(x => (double)x[i]);
            var magnitude = inputs.Sum(x => Math.Abs((double)x[i]));
            // W − 1 float additions: each rounds by at most 2⁻²⁴ of the running magnitude.
            Assert.True(Math.Abs(outputs[0][i] - exact) <= world * Math.Pow(2, -24) * magnitude, $"element {i}: {outputs[0][i]} vs exact {exact}");
        }
    }

    [Theory]
    [InlineData(2, 0, 5)]
    [InlineData(3, 1, 0)]
    [InlineData(3, 2, 100_003)]
    [InlineData(4, 3, 1001)]
    public void Broadcast_gives_every_rank_the_roots_buffer_and_the_ring_stays_in_step(int world, int root, int length)
    {
        var inputs = RandomInputs(world, length, seed: 77 + root);
        var expected = (float[])inputs[root].Clone();
        using var gang = LocalGang.Form(world, SmallChunks);
        var sums = Enumerable.Range(0, world).Select(r => new[] { r + 1f }).ToArray();
        var errors = gang.OnEveryRank(c =>
        {
            c.Broadcast(inputs[c.Rank], root);
            c.AllReduceSum(sums[c.Rank]); // the next call still pairs up: no stray bytes left behind
        });
        Assert.All(errors, Assert.Null);
        Assert.All(inputs, x => Assert.Equal(expected, x));
        Assert.All(sums, x => Assert.Equal(world * (world + 1) / 2f, x[0]));
    }

    [Fact]
    public void Default_chunks_and_a_barrier_work_on_a_large_buffer()
    {
        const int world = 3, length = 1_000_000;
        var inputs = RandomInputs(world, length, seed: 5);
        var expected = RingOrderSum(inputs);
        using var gang = LocalGang.Form(world);
        var errors = gang.OnEveryRank(c =>
        {
            c.Barrier();
            c.AllReduceSum(inputs[c.Rank]);
            c.Barrier();
        });
        Assert.All(errors, Assert.Null);
        Assert.All(inputs, x => Assert.Equal(expected, x));
    }

    [Fact]
    public void A_gang_of_one_is_a_no_op()
    {
        using var listener = RingListener.Start(IPAddress.Loopback);
        using var single = TcpRingCollective.Connect(listener, new GangMembership("solo", 0, [listener.Endpoint]));
        float[] buffer = [1.5f, -2f];
        single.AllReduceSum(buffer);
        single.Barrier();
        Assert.Equal([1.5f, -2f], buffer);
        Assert.Equal((0, 1), (single.Rank, single.WorldSize));
    }

    [Fact]
    public async Task A_connection_from_another_gang_is_refused_and_the_gang_still_forms()
    {
        var listeners = new[] { RingListener.Start(IPAddress.Loopback), RingListener.Start(IPAddress.Loopback) };
        try
        {
            var endpoints = listeners.Select(l => l.Endpoint).ToArray();
            // A stale rank 0 of an earlier attempt dials rank 1 first.
            var (host, port) = (IPAddress.Loopback, int.Parse(endpoints[1].Split(':')[1]));
            using var stale = new Socket(SocketType.Stream, ProtocolType.Tcp);
            stale.Connect(host, port);
            stale.Send(RingHandshake.Hello("run-7/attempt-1", 0, 2));

            var connecting = Enumerable.Range(0, 2).Select(rank =>
                TcpRingCollective.ConnectAsync(listeners[rank], new GangMembership("run-7/attempt-2", rank, endpoints))).ToArray();
            var answer = new byte[1];
            stale.ReceiveTimeout = 10_000;
            Assert.Equal(1, stale.Receive(answer));
            Assert.Equal(RingHandshake.Refused, answer[0]);

            var ranks = await Task.WhenAll(connecting);
            var buffers = new[] { new[] { 1f, 2f, 3f }, new[] { 10f, 20f, 30f } };
            Assert.All(LocalGang.OnEachRank(ranks, c => c.AllReduceSum(buffers[c.Rank])), Assert.Null);
            Assert.Equal([11f, 22f, 33f], buffers[1]);
            foreach (var rank in ranks)
            {
                rank.Dispose();
            }
        }
        finally
        {
            foreach (var listener in listeners)
            {
                listener.Dispose();
            }
        }
    }

    [Fact]
    public async Task A_rank_that_joins_seconds_later_still_forms_the_gang()
    {
        // Workers learn their gang at different moments; the early rank's connection waits in the late one's listener.
        var listeners = new[] { RingListener.Start(IPAddress.Loopback), RingListener.Start(IPAddress.Loopback) };
        try
        {
            var endpoints = listeners.Select(l => l.Endpoint).ToArray();
            var options = new CollectiveOptions(ConnectTimeout: TimeSpan.FromSeconds(30));
            var early = TcpRingCollective.ConnectAsync(listeners[0], new GangMembership("late", 0, endpoints), options);
            await Task.Delay(TimeSpan.FromSeconds(6)); // longer than the hello wait of 5 s
            var late = TcpRingCollective.ConnectAsync(listeners[1], new GangMembership("late", 1, endpoints), options);
            var ranks = await Task.WhenAll(early, late);
            var buffers = new[] { new[] { 1f }, new[] { 2f } };
            Assert.All(LocalGang.OnEachRank(ranks, c => c.AllReduceSum(buffers[c.Rank])), Assert.Null);
            Assert.Equal([3f], buffers[0]);
            foreach (var rank in ranks)
            {
                rank.Dispose();
            }
        }
        finally
        {
            foreach (var listener in listeners)
            {
                listener.Dispose();
            }
        }
    }

    [Fact]
    public async Task Two_gangs_form_at_once_on_the_same_listeners_and_each_sums_its_own_buffers()
    {
        // A worker with two slots runs two gang runs at once: both rings use its one listener.
        var listeners = new[] { RingListener.Start(IPAddress.Loopback), RingListener.Start(IPAddress.Loopback) };
        try
        {
            for (var round = 0; round < 5; round++)
            {
                string[] forward = [listeners[0].Endpoint, listeners[1].Endpoint];
                string[] backward = [listeners[1].Endpoint, listeners[0].Endpoint];
                var forming = new[]
                {
                    TcpRingCollective.ConnectAsync(listeners[0], new GangMembership($"run-a/{round}", 0, forward)),
                    TcpRingCollective.ConnectAsync(listeners[1], new GangMembership($"run-b/{round}", 0, backward)),
                    TcpRingCollective.ConnectAsync(listeners[1], new GangMembership($"run-a/{round}", 1, forward)),
                    TcpRingCollective.ConnectAsync(listeners[0], new GangMembership($"run-b/{round}", 1, backward)),
                };
                var ranks = await Task.WhenAll(forming).WaitAsync(TimeSpan.FromSeconds(30));
                var buffers = new[] { new[] { 1f }, new[] { 100f }, new[] { 2f }, new[] { 200f } };
                Assert.All(LocalGang.OnEachRank(ranks, c => c.AllReduceSum(buffers[Array.IndexOf(ranks, c)])), Assert.Null);
                Assert.Equal([3f, 300f, 3f, 300f], buffers.Select(b => b[0]));   // gang a: 1 + 2; gang b: 100 + 200
                foreach (var rank in ranks)
                {
                    rank.Dispose();
                }
            }
        }
        finally
        {
            foreach (var listener in listeners)
            {
                listener.Dispose();
            }
        }
    }

    [Fact]
    public async Task Ranks_that_disagree_on_the_gang_both_fail_fast_naming_each_other()
    {
        var listeners = new[] { RingListener.Start(IPAddress.Loopback), RingListener.Start(IPAddress.Loopback) };
        try
        {
            var endpoints = listeners.Select(l => l.Endpoint).ToArray();
            var options = new CollectiveOptions(ConnectTimeout: TimeSpan.FromSeconds(30));
            var stopwatch = System.Diagnostics.Stopwatch.StartNew();
            var forming = new[]
            {
                TcpRingCollective.ConnectAsync(listeners[0], new GangMembership("run-1/attempt-3", 0, endpoints), options),
                TcpRingCollective.ConnectAsync(listeners[1], new GangMembership("run-1/attempt-4", 1, endpoints), options),
            };
            for (var rank = 0; rank < 2; rank++)
            {
                var ex = await Assert.ThrowsAsync<CollectiveException>(() => forming[rank]);
                Assert.Equal(CollectiveFailure.Handshake, ex.Failure);
                Assert.Equal(1 - rank, ex.PeerRank);
                Assert.Contains("refused", ex.Message, StringComparison.Ordinal);
            }
            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"took {stopwatch.Elapsed.TotalSeconds:F1} s; a refusal must not wait for the connect timeout");
        }
        finally
        {
            foreach (var listener in listeners)
            {
                listener.Dispose();
            }
        }
    }

    [Fact]
    public void Forming_a_ring_with_an_absent_neighbour_times_out_naming_it()
    {
        using var listener = RingListener.Start(IPAddress.Loopback);
        using var silent = RingListener.Start(IPAddress.Loopback); // listens, but nobody behind it ever accepts
        var gang = new GangMembership("lonely", 0, [listener.Endpoint, silent.Endpoint]);
        var ex = Assert.Throws<CollectiveException>(() =>
            TcpRingCollective.Connect(listener, gang, new CollectiveOptions(ConnectTimeout: TimeSpan.FromSeconds(1))));
        Assert.Equal(CollectiveFailure.Handshake, ex.Failure);
        Assert.Contains("rank 1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ranks_that_disagree_on_the_length_all_fail_with_a_mismatch_and_stay_broken()
    {
        using var gang = LocalGang.Form(3, SmallChunks);
        var errors = gang.OnEveryRank(c => c.AllReduceSum(new float[c.Rank == 1 ? 99 : 100]));
        Assert.All(errors, e => Assert.IsType<CollectiveException>(e));
        Assert.Contains(errors, e => ((CollectiveException)e!).Failure == CollectiveFailure.Mismatch);
        var again = Assert.Throws<CollectiveException>(() => gang.Ranks[0].AllReduceSum(new float[100]));
        Assert.Equal(CollectiveFailure.Broken, again.Failure);
    }

    [Fact]
    public void Repeated_calls_allocate_nothing()
    {
        using var gang = LocalGang.Form(2, SmallChunks);
        var buffers = new[] { new float[10_000], new float[10_000] };
        var allocated = new long[2];
        var errors = gang.OnEveryRank(c =>
        {
            c.AllReduceSum(buffers[c.Rank]); // warm-up
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < 20; i++)
            {
                c.AllReduceSum(buffers[c.Rank]);
                c.Broadcast(buffers[c.Rank], root: i % 2);
            }
            allocated[c.Rank] = GC.GetAllocatedBytesForCurrentThread() - before;
        });
        Assert.All(errors, Assert.Null);
        Assert.Equal([0L, 0L], allocated);
    }

    /// <summary>Segment s summed in ring order starting at rank s: g[s] + g[s+1] + … (as <see cref="TcpRingCollective"/> documents).</summary>
    private static float[] RingOrderSum(float[][] inputs)
    {
        var world = inputs.Length;
        var length = inputs[0].Length;
        var sum = new float[length];
        for (var segment = 0; segment < world; segment++)
        {
            var start = (int)((long)segment * length / world);
            var end = (int)((long)(segment + 1) * length / world);
            for (var i = start; i < end; i++)
            {
                var acc = inputs[segment][i];
                for (var step = 1; step < world; step++)
                {
                    acc = inputs[(segment + step) % world][i] + acc;
                }
                sum[i] = acc;
            }
        }
        return sum;
    }

    private static float[][] RandomInputs(int world, int length, int seed)
    {
        var random = new Random(seed);
        // Mixed magnitudes, so a different summation order would change the bits.
        return Enumerable.Range(0, world)
            .Select(_ => Enumerable.Range(0, length).Select(_ => (float)((random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-3, 4)))).ToArray())
            .ToArray();
    }
}
