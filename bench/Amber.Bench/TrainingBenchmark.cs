using System.Diagnostics;
using System.Globalization;
using Amber.Training;
using Amber.Training.Losses;
using Amber.Training.Model;
using Amber.Training.Numerics;

namespace Amber.Bench;

/// <summary>
/// `./bench.sh training`: the C# side of the training benchmark (N = 5,531, Da = 1024, Dt = 768, H = 256, C = 4,
/// batch 32, AdamW, amber2, 10 epochs on random data) and OpenBLAS's rate on one large sgemm. Prints
/// `csharp_s_per_epoch=… threads=… gflops=… sgemm_limit_gflops=…`; bench/run-training.sh adds the PyTorch side.
/// </summary>
public sealed class TrainingBenchmark : IBenchmark
{
    /// <inheritdoc/>
    public string Name => "training";

    /// <inheritdoc/>
    public Task<int> RunAsync(string[] args)
    {
        int n = Arg(args, "--n", 5531), da = Arg(args, "--da", 1024), dt = Arg(args, "--dt", 768);
        int hidden = Arg(args, "--hidden", 256), classes = Arg(args, "--classes", 4), batch = Arg(args, "--batch", 32);
        int epochs = Arg(args, "--epochs", 10), maxThreads = Arg(args, "--threads", 2);
        Console.WriteLine($"openblas={OpenBlas.LoadedFrom ?? "absent (managed kernels)"}");

        var limit = SgemmLimit(maxThreads);
        var (train, validation) = RandomData(n, da, dt, classes);
        var model = new ModelConfig(da, dt, hidden, classes, Dropout: 0.2);
        var loss = new LossConfig(LossMethod.Amber2);
        // FLOPs per sample: forward GEMMs, the same again for weight gradients, and input gradients of the fusion
        // projection and the heads (the feature inputs need none).
        double forward = 2.0 * ((double)da * hidden + (double)dt * hidden + 2.0 * hidden * hidden + 3.0 * hidden * classes);
        double inputGradients = 2.0 * (2.0 * hidden * hidden + 3.0 * hidden * classes);
        var flopsPerEpoch = n * (2 * forward + inputGradients);

        var best = double.PositiveInfinity;
        var bestThreads = 1;
        for (var threads = 1; threads <= maxThreads; threads++)
        {
            var options = new TrainerOptions(BatchSize: batch, MaxEpochs: epochs, Patience: 0, Seed: 1, BlasThreads: threads);
            var session = TrainingSession.Create(train, validation, model, loss, options);
            var seconds = new List<double>();
            var stopwatch = Stopwatch.StartNew();
            for (var e = 0; e < epochs; e++)
            {
                var started = stopwatch.Elapsed.TotalSeconds;
                session.RunEpoch();
                seconds.Add(stopwatch.Elapsed.TotalSeconds - started);
            }
            var perEpoch = seconds.Average();
            Console.WriteLine(Invariant($"csharp threads={threads} s_per_epoch={perEpoch:F4} first_epoch={seconds[0]:F4} last_train_loss={session.Curves[^1].TrainLoss:F4}"));
            if (perEpoch < best)
            {
                best = perEpoch;
                bestThreads = threads;
            }
        }
        var gflops = flopsPerEpoch / best / 1e9;
        Console.WriteLine(Invariant($"csharp_s_per_epoch={best:F4} threads={bestThreads} gflops={gflops:F2} sgemm_limit_gflops={limit:F2}"));
        return Task.FromResult(0);
    }

    /// <summary>Best rate of one 2048³ sgemm over a few tries, at the thread count that is fastest.</summary>
    private static double SgemmLimit(int maxThreads)
    {
        const int size = 2048;
        var a = new float[size * size];
        var b = new float[size * size];
        var c = new float[size * size];
        var random = new Random(3);
        for (var i = 0; i < a.Length; i++)
        {
            a[i] = (float)random.NextDouble();
            b[i] = (float)random.NextDouble();
        }
        var best = 0.0;
        for (var threads = 1; threads <= maxThreads; threads++)
        {
            OpenBlas.Threads = threads;
            for (var trial = 0; trial < 3; trial++)
            {
                var stopwatch = Stopwatch.StartNew();
                Gemm.Multiply(false, false, size, size, size, 1f, a, size, b, size, 0f, c, size);
                best = Math.Max(best, 2.0 * size * size * size / stopwatch.Elapsed.TotalSeconds / 1e9);
            }
        }
        return best;
    }

    internal static (TrainingData Train, TrainingData Validation) RandomData(int n, int da, int dt, int classes)
    {
        var random = new Random(0);
        TrainingData Make(int rows, string prefix)
        {
            var speech = new float[rows * da];
            var text = new float[rows * dt];
            var soft = new float[rows * classes];
            var hard = new int[rows];
            for (var i = 0; i < speech.Length; i++)
            {
                speech[i] = (float)(random.NextDouble() * 2 - 1);
            }
            for (var i = 0; i < text.Length; i++)
            {
                text[i] = (float)(random.NextDouble() * 2 - 1);
            }
            for (var r = 0; r < rows; r++)
            {
                var sum = 0.0;
                var row = new double[classes];
                for (var k = 0; k < classes; k++)
                {
                    row[k] = -Math.Log(1 - random.NextDouble());
                    sum += row[k];
                }
                var best = 0;
                for (var k = 0; k < classes; k++)
                {
                    soft[r * classes + k] = (float)(row[k] / sum);
                    best = row[k] > row[best] ? k : best;
                }
                hard[r] = best;
            }
            return new TrainingData(speech, da, text, dt, soft, classes, hard,
                Enumerable.Range(0, rows).Select(i => $"{prefix}{i:D6}").ToArray(), prefix);
        }
        return (Make(n, "train"), Make(32, "validation"));
    }

    private static int Arg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
