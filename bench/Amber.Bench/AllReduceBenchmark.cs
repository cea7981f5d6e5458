using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Amber.Training;
using Amber.Training.Losses;
using Amber.Training.Model;
using Amber.Worker.Collectives;

namespace Amber.Bench;

/// <summary>
/// `./bench.sh allreduce`: the TCP ring all-reduce between W local processes (W = 2, 3, 4; 4, 16 and 64 MiB float
/// buffers) against a raw one-directional TCP stream of the same bytes between two of the same processes, and the
/// data-parallel scaling of the training benchmark's workload from one to two processes pinned to one core each.
/// <para>
/// Definitions as in nccl-tests: algorithm bandwidth algbw = bytes / time per all-reduce; bus bandwidth
/// busbw = algbw · 2(W − 1)/W, the rate each link carries (comparable with a single stream). Scaling efficiency =
/// (t₁ / t₂) / 2 for seconds per epoch with the same global batch.
/// </para>
/// Each rank is this program started again (<c>allreduce --rank-process ring|train</c>): it prints its endpoints, reads
/// its gang on stdin, measures, and prints result lines that the coordinator collects.
/// </summary>
public sealed class AllReduceBenchmark : IBenchmark
{
    private const double GB = 1e9;

    /// <inheritdoc/>
    public string Name => "allreduce";

    /// <inheritdoc/>
    public Task<int> RunAsync(string[] args)
    {
        var role = Value(args, "--rank-process");
        return Task.FromResult(role switch
        {
            "ring" => RingRank(args),
            "train" => TrainRank(args),
            null => Coordinate(args),
            _ => throw new ArgumentException($"--rank-process {role}: expected ring or train."),
        });
    }

    private static int Coordinate(string[] args)
    {
        var sizesMiB = List(args, "--sizes-mib", "4,16,64");
        var worlds = List(args, "--worlds", "2,3,4");
        var iterations = Int(args, "--iterations", 8);
        var trainEpochs = Int(args, "--train-epochs", 3);
        var trainRounds = Int(args, "--train-rounds", 2);
        var chunkKiB = Int(args, "--chunk-kib", CollectiveOptions.Default.ChunkBytes / 1024);
        var results = new List<(int World, int MiB, double AllReduceSeconds, double StreamSeconds)>();
        foreach (var world in worlds)
        {
            var lines = RunGang(world, pin: false, ["--rank-process", "ring", "--sizes-mib", string.Join(',', sizesMiB), "--iterations", Text(iterations),
                "--chunk-kib", Text(chunkKiB)]);
            foreach (var line in lines.Where(l => l.StartsWith("result ", StringComparison.Ordinal)))
            {
                // result <MiB> <allreduce seconds per op> <stream seconds per pass>
                var f = line.Split(' ');
                results.Add((world, int.Parse(f[1], CultureInfo.InvariantCulture), double.Parse(f[2], CultureInfo.InvariantCulture),
                    double.Parse(f[3], CultureInfo.InvariantCulture)));
            }
        }
        // "all links" = W · busbw, the bytes all ranks move per second together: on one machine every link shares the
        // same cores and loopback, so this, not busbw, is what can match a single stream there.
        Console.WriteLine("| W | size | time/op | algbw GB/s | busbw GB/s | all links GB/s | raw TCP GB/s | busbw / TCP | all links / TCP |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var r in results)
        {
            var bytes = r.MiB * 1024.0 * 1024.0;
            var algbw = bytes / r.AllReduceSeconds / GB;
            var busbw = algbw * 2 * (r.World - 1) / r.World;
            var tcp = bytes / r.StreamSeconds / GB;
            Console.WriteLine(Invariant($"| {r.World} | {r.MiB} MiB | {r.AllReduceSeconds * 1e3:F1} ms | {algbw:F2} | {busbw:F2} | {busbw * r.World:F2} | {tcp:F2} | {busbw / tcp:F2} | {busbw * r.World / tcp:F2} |"));
        }

        // W = 1 and W = 2 alternate, and each keeps its best round, so a burst of load on the shared machine does not
        // land on one side only.
        double t1 = double.PositiveInfinity, t2 = double.PositiveInfinity;
        for (var round = 0; round < trainRounds; round++)
        {
            t1 = Math.Min(t1, TrainSeconds(RunGang(1, pin: true, ["--rank-process", "train", "--epochs", Text(trainEpochs)])));
            t2 = Math.Min(t2, TrainSeconds(RunGang(2, pin: true, ["--rank-process", "train", "--epochs", Text(trainEpochs)])));
        }
        var efficiency = t1 / t2 / 2;
        Console.WriteLine(Invariant($"training workload, 1 core per process, best of {trainRounds} rounds: W=1 {t1:F3} s/epoch, W=2 {t2:F3} s/epoch, efficiency {efficiency:F3}"));

        // The headline: the largest buffer at the W whose ratio is worst (the conservative reading).
        var largest = results.Max(r => r.MiB);
        var worst = results.Where(r => r.MiB == largest)
            .Select(r => (r.World, Busbw: r.MiB * 1048576.0 / r.AllReduceSeconds / GB * 2 * (r.World - 1) / r.World, Tcp: r.MiB * 1048576.0 / r.StreamSeconds / GB))
            .MinBy(r => r.Busbw / r.Tcp);
        Console.WriteLine(Invariant($"headline: W={worst.World} at {largest} MiB (the worst busbw/TCP ratio of W = {string.Join(", ", worlds)})"));
        Console.WriteLine(Invariant($"allreduce: busbw_64mb_gbps={worst.Busbw:F3} tcp_gbps={worst.Tcp:F3} ratio={worst.Busbw / worst.Tcp:F3} scaling_w2={efficiency:F3}"));
        return 0;
    }

    /// <summary>Starts W rank processes (pinned to cores 0, 1, … when asked), forms their gang, returns rank 0's output.</summary>
    private static List<string> RunGang(int world, bool pin, string[] rankArgs)
    {
        var processes = new List<Process>();
        try
        {
            for (var rank = 0; rank < world; rank++)
            {
                processes.Add(StartSelf(rankArgs, pin ? rank % Environment.ProcessorCount : null));
            }
            var endpoints = processes.Select(p => ReadLine(p).Split(' ')).ToArray(); // endpoint <ring> <stream>
            var ring = string.Join(' ', endpoints.Select(e => e[1]));
            var stream = world > 1 ? endpoints[1][2] : "-";
            var gangId = $"bench-{world}-{Environment.ProcessId}-{Stopwatch.GetTimestamp()}";
            for (var rank = 0; rank < world; rank++)
            {
                processes[rank].StandardInput.WriteLine($"gang {gangId} {rank} {stream} {ring}");
                processes[rank].StandardInput.Flush();
            }
            var output = new List<string>();
            while (ReadLineOrNull(processes[0]) is { } line)
            {
                Console.WriteLine($"  [W={world} rank 0] {line}");
                output.Add(line);
            }
            foreach (var process in processes)
            {
                process.WaitForExit();
                if (process.ExitCode != 0)
                {
                    throw new InvalidOperationException($"A rank process of the W = {world} gang exited with {process.ExitCode}.");
                }
            }
            return output;
        }
        finally
        {
            foreach (var process in processes)
            {
                if (!process.HasExited)
                {
                    process.Kill();
                }
                process.Dispose();
            }
        }
    }

    private static Process StartSelf(string[] rankArgs, int? core)
    {
        var self = Environment.ProcessPath!;
        var info = new ProcessStartInfo(core is null ? self : "taskset")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        if (core is int c)
        {
            info.ArgumentList.Add("-c");
            info.ArgumentList.Add(Text(c));
            info.ArgumentList.Add(self);
        }
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            info.ArgumentList.Add(typeof(AllReduceBenchmark).Assembly.Location);
        }
        info.ArgumentList.Add("allreduce");
        foreach (var arg in rankArgs)
        {
            info.ArgumentList.Add(arg);
        }
        return Process.Start(info) ?? throw new InvalidOperationException("Could not start a rank process.");
    }

    /// <summary>A ring rank: all-reduce timings per size, then (ranks 0 and 1) the raw stream of the same bytes.</summary>
    private static int RingRank(string[] args)
    {
        var sizesMiB = List(args, "--sizes-mib", "4,16,64");
        var iterations = Int(args, "--iterations", 8);
        var options = new CollectiveOptions(ChunkBytes: Int(args, "--chunk-kib", CollectiveOptions.Default.ChunkBytes / 1024) * 1024);
        var (collective, streamListener, streamPeer) = JoinGang(options);
        using (collective)
        using (streamListener)
        {
            foreach (var mib in sizesMiB)
            {
                var buffer = new float[mib * 1024 * 1024 / sizeof(float)];
                Array.Fill(buffer, 1f / (collective.Rank + 1));
                for (var warm = 0; warm < 2; warm++)
                {
                    collective.AllReduceSum(buffer);
                }
                collective.Barrier();
                var stopwatch = Stopwatch.StartNew();
                for (var i = 0; i < iterations; i++)
                {
                    collective.AllReduceSum(buffer);
                }
                collective.Barrier();
                var perOp = stopwatch.Elapsed.TotalSeconds / iterations;
                var stream = RawStream(collective, streamListener, streamPeer, buffer, iterations);
                if (collective.Rank == 0)
                {
                    Console.WriteLine(Invariant($"result {mib} {perOp:R} {stream:R}"));
                }
            }
        }
        return 0;
    }

    /// <summary>
    /// Rank 0 sends <paramref name="buffer"/> to rank 1 <paramref name="passes"/> times over a plain socket with the ring's
    /// settings; rank 1 answers one byte at the end. Returns seconds per pass (on rank 0; other ranks wait at a barrier).
    /// </summary>
    private static double RawStream(ICollective collective, Socket listener, string peer, float[] buffer, int passes)
    {
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(buffer.AsSpan());
        var seconds = 0.0;
        collective.Barrier();
        if (collective.Rank == 0)
        {
            var (host, port) = (peer[..peer.LastIndexOf(':')], int.Parse(peer[(peer.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture));
            using var socket = NewSocket();
            socket.Connect(host, port);
            socket.Send(bytes); // warm-up pass
            var ack = new byte[1];
            socket.Receive(ack);
            var stopwatch = Stopwatch.StartNew();
            for (var i = 0; i < passes; i++)
            {
                socket.Send(bytes);
            }
            socket.Receive(ack);
            seconds = stopwatch.Elapsed.TotalSeconds / passes;
        }
        else if (collective.Rank == 1)
        {
            using var socket = listener.Accept();
            Drain(socket, bytes, 1);
            Drain(socket, bytes, passes);
        }
        collective.Barrier();
        return seconds;

        static void Drain(Socket socket, Span<byte> into, int passes)
        {
            for (var i = 0; i < passes; i++)
            {
                for (var got = 0; got < into.Length;)
                {
                    var n = socket.Receive(into[got..]);
                    got += n > 0 ? n : throw new EndOfStreamException("The stream sender closed early.");
                }
            }
            socket.Send([1]);
        }
    }

    /// <summary>A training rank: the training benchmark's workload on one OpenBLAS thread, its share of each global batch.</summary>
    private static int TrainRank(string[] args)
    {
        var epochs = Int(args, "--epochs", 3);
        var (collective, streamListener, _) = JoinGang(CollectiveOptions.Default);
        using (collective)
        using (streamListener)
        {
            const int n = 5531, da = 1024, dt = 768, hidden = 256, classes = 4;
            var (train, validation) = TrainingBenchmark.RandomData(n, da, dt, classes);
            var options = new TrainerOptions(BatchSize: 32, MaxEpochs: epochs + 1, Patience: 0, Seed: 1, BlasThreads: 1,
                Rank: collective.Rank, WorldSize: collective.WorldSize) { Reducer = new CollectiveGradientReducer(collective) };
            var session = TrainingSession.Create(train, validation, new ModelConfig(da, dt, hidden, classes, Dropout: 0.2),
                new LossConfig(LossMethod.Amber2), options);
            session.RunEpoch(); // warm-up: JIT, OpenBLAS buffers, TCP windows
            collective.Barrier();
            var stopwatch = Stopwatch.StartNew();
            for (var e = 0; e < epochs; e++)
            {
                session.RunEpoch();
            }
            collective.Barrier();
            if (collective.Rank == 0)
            {
                Console.WriteLine(Invariant($"train world={collective.WorldSize} s_per_epoch={stopwatch.Elapsed.TotalSeconds / epochs:R} last_train_loss={session.Curves[^1].TrainLoss:F4}"));
            }
        }
        return 0;
    }

    /// <summary>Prints this rank's endpoints, reads <c>gang id rank stream-peer ring-endpoints…</c>, forms the ring.</summary>
    private static (ICollective Collective, Socket StreamListener, string StreamPeer) JoinGang(CollectiveOptions options)
    {
        using var ring = RingListener.Start(IPAddress.Loopback);
        var stream = NewSocket(AddressFamily.InterNetwork);
        stream.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        stream.Listen(1);
        Console.WriteLine($"endpoint {ring.Endpoint} 127.0.0.1:{Text(((IPEndPoint)stream.LocalEndPoint!).Port)}");
        var gang = (Console.ReadLine() ?? "").Split(' ');
        if (gang is not ["gang", var id, var rank, var streamPeer, .. var endpoints])
        {
            throw new InvalidDataException($"Expected 'gang <id> <rank> <stream peer> <endpoints…>' on stdin, got '{string.Join(' ', gang)}'.");
        }
        var collective = TcpRingCollective.Connect(ring, new GangMembership(id, int.Parse(rank, CultureInfo.InvariantCulture), endpoints), options);
        return (collective, stream, streamPeer);
    }

    /// <summary>A socket with the ring's settings (no Nagle, 4 MiB buffers), so the stream is a fair reference.</summary>
    private static Socket NewSocket(AddressFamily family = AddressFamily.InterNetwork) => new(family, SocketType.Stream, ProtocolType.Tcp)
    {
        NoDelay = true,
        SendBufferSize = CollectiveOptions.Default.SocketBufferBytes,
        ReceiveBufferSize = CollectiveOptions.Default.SocketBufferBytes,
    };

    private static double TrainSeconds(List<string> lines)
    {
        var line = lines.Single(l => l.StartsWith("train ", StringComparison.Ordinal));
        var field = line.Split(' ').Single(f => f.StartsWith("s_per_epoch=", StringComparison.Ordinal));
        return double.Parse(field["s_per_epoch=".Length..], CultureInfo.InvariantCulture);
    }

    private static string ReadLine(Process process) =>
        ReadLineOrNull(process) ?? throw new InvalidOperationException("A rank process ended before printing its endpoints.");

    private static string? ReadLineOrNull(Process process) => process.StandardOutput.ReadLine();

    private static string? Value(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static int Int(string[] args, string name, int fallback) =>
        Value(args, name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    private static int[] List(string[] args, string name, string fallback) =>
        (Value(args, name) ?? fallback).Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
