using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using Amber.Grains.Parameters;
using Amber.Grains.Sampling.Tpe;
using Amber.Grains.Specs;

namespace Amber.Bench;

/// <summary>
/// `./bench.sh tpe`, our side: the TPE sampler (and uniform random search as the floor) on standard test functions — the
/// same definitions as bench/reference/optuna_tpe.py — for S seeds × T trials each, printing the best value each run
/// reached; then the suggestion latency with 10,000 finished trials. The script compares with Optuna's TPE.
/// Lines: `tpe-best function=F sampler=ours|random seed=S best=V` and `tpe-latency sampler=ours p50_ms=… p99_ms=…`.
/// </summary>
public sealed class TpeBenchmark : IBenchmark
{
    /// <inheritdoc />
    public string Name => "tpe";

    /// <inheritdoc />
    public Task<int> RunAsync(string[] args)
    {
        int seeds = 20, trials = 100, history = 10_000, asks = 200;
        for (int i = 0; i < args.Length; i += 2)
        {
            int value = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--seeds": seeds = value; break;
                case "--trials": trials = value; break;
                case "--history": history = value; break;
                case "--asks": asks = value; break;
                default: Console.Error.WriteLine($"unknown option {args[i]}; expected --seeds N, --trials N, --history N, --asks N"); return Task.FromResult(2);
            }
        }
        foreach (var f in TestFunctions.All)
        {
            foreach (var (label, options) in new[] { ("ours", TpeOptions.Default), ("random", TpeOptions.Default with { StartupTrials = int.MaxValue }) })
            {
                for (int seed = 0; seed < seeds; seed++)
                {
                    double best = Optimise(f, options, seed, trials);
                    Console.WriteLine(FormattableString.Invariant($"tpe-best function={f.Name} sampler={label} seed={seed} best={best:R}"));
                }
            }
        }
        Latency(history, asks);
        return Task.FromResult(0);
    }

    private static double Optimise(TestFunction f, TpeOptions options, int seed, int trials)
    {
        var estimator = new TreeParzenEstimator(f.Space, options);
        var observations = new List<TpeObservation>(trials);
        double best = double.PositiveInfinity;
        for (int t = 0; t < trials; t++)
        {
            var rng = new Random(unchecked(seed * 1_000_003 + t * 7919 + 29));
            var x = estimator.Suggest(observations, rng);
            double y = f.Evaluate(x);
            observations.Add(new TpeObservation(x, y));
            best = Math.Min(best, y);
        }
        return best;
    }

    /// <summary>Suggestion latency over a history of random finished trials of the mixed function (every dimension type).</summary>
    private static void Latency(int history, int asks)
    {
        var f = TestFunctions.All.Single(x => x.Name == "mixed");
        var estimator = new TreeParzenEstimator(f.Space);
        var random = new TreeParzenEstimator(f.Space, TpeOptions.Default with { StartupTrials = int.MaxValue });
        var rng = new Random(1);
        var observations = new List<TpeObservation>(history);
        for (int i = 0; i < history; i++)
        {
            var x = random.Suggest(observations, rng);
            observations.Add(new TpeObservation(x, f.Evaluate(x)));
        }
        for (int i = 0; i < 10; i++) estimator.Suggest(observations, new Random(i));   // JIT warm-up
        var ms = new double[asks];
        for (int i = 0; i < asks; i++)
        {
            long start = Stopwatch.GetTimestamp();
            estimator.Suggest(observations, new Random(1000 + i));
            ms[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        Array.Sort(ms);
        Console.WriteLine(FormattableString.Invariant($"tpe-latency sampler=ours history={history} asks={asks} p50_ms={ms[asks / 2]:F3} p99_ms={ms[(int)Math.Ceiling(0.99 * asks) - 1]:F3}"));
    }
}

/// <summary>A test function to minimise over a typed space.</summary>
public sealed record TestFunction(string Name, ImmutableArray<SearchDimension> Space, Func<ParameterValue[], double> Evaluate);

/// <summary>The standard functions of the benchmark (definitions mirrored in bench/reference/optuna_tpe.py).</summary>
public static class TestFunctions
{
    private static ImmutableArray<SearchDimension> Box(int d, double low, double high) =>
        [.. Enumerable.Range(0, d).Select(i => (SearchDimension)new UniformDimension($"x{i}", low, high, false))];

    private static double[] X(ParameterValue[] v) => [.. v.Select(p => p.AsDouble())];

    private static readonly double[] HartmannAlpha = [1.0, 1.2, 3.0, 3.2];
    private static readonly double[,] HartmannA =
    {
        { 10, 3, 17, 3.5, 1.7, 8 }, { 0.05, 10, 17, 0.1, 8, 14 }, { 3, 3.5, 1.7, 10, 17, 8 }, { 17, 8, 0.05, 10, 0.1, 14 },
    };
    private static readonly double[,] HartmannP =
    {
        { 0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886 }, { 0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991 },
        { 0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650 }, { 0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381 },
    };

    /// <summary>Sphere (5-d), Rosenbrock (4-d), Branin, Hartmann-6, and a mixed categorical/log/int/uniform function.</summary>
    public static readonly IReadOnlyList<TestFunction> All =
    [
        new("sphere", Box(5, -5, 5), v => X(v).Sum(x => x * x)),
        new("rosenbrock", Box(4, -2.048, 2.048), v =>
        {
            var x = X(v);
            double s = 0;
            for (int i = 0; i < x.Length - 1; i++) s += 100 * Math.Pow(x[i + 1] - x[i] * x[i], 2) + Math.Pow(1 - x[i], 2);
            return s;
        }),
        new("branin", [new UniformDimension("x0", -5, 10, false), new UniformDimension("x1", 0, 15, false)], v =>
        {
            double x1 = v[0].AsDouble(), x2 = v[1].AsDouble();
            double b = 5.1 / (4 * Math.PI * Math.PI), c = 5 / Math.PI, t = 1 / (8 * Math.PI);
            return Math.Pow(x2 - b * x1 * x1 + c * x1 - 6, 2) + 10 * (1 - t) * Math.Cos(x1) + 10;
        }),
        new("hartmann6", Box(6, 0, 1), v =>
        {
            var x = X(v);
            double s = 0;
            for (int i = 0; i < 4; i++)
            {
                double inner = 0;
                for (int j = 0; j < 6; j++) inner += HartmannA[i, j] * Math.Pow(x[j] - HartmannP[i, j], 2);
                s += HartmannAlpha[i] * Math.Exp(-inner);
            }
            return -s;
        }),
        new("mixed",
        [
            new ChoiceDimension("c", [ParameterValue.Of("a"), ParameterValue.Of("b"), ParameterValue.Of("c"), ParameterValue.Of("d")]),
            new UniformDimension("lr", 1e-5, 1, true),
            new IntDimension("n", 1, 64, 1),
            new UniformDimension("x", 0, 1, false),
        ], v =>
        {
            double offset = v[0].AsString() switch { "a" => 1.0, "b" => 0.0, "c" => 0.5, _ => 2.0 };
            return offset + Math.Pow(Math.Log10(v[1].AsDouble()) + 3, 2) + Math.Pow((v[2].AsInt() - 20) / 20.0, 2) + 4 * Math.Pow(v[3].AsDouble() - 0.3, 2);
        }),
    ];
}
