using System.Diagnostics;
using System.Globalization;
using Amber.Storage.Results;
using Parquet;

namespace Amber.Bench;

/// <summary>
/// `./bench.sh parquet`: writes an in-memory predictions table of N rows (default 1,000,000) with the results writer
/// (Parquet.Net underneath) and reports the best of several runs; bench/run-parquet.sh then has DuckDB write the same
/// table on 1 thread and on all threads and prints both ratios.
/// Options: --rows N, --out DIR, --repeat K, --codec snappy|gzip|zstd|none, --no-pipeline.
/// </summary>
public sealed class ParquetBenchmark : IBenchmark
{
    /// <inheritdoc />
    public string Name => "parquet";

    /// <inheritdoc />
    public async Task<int> RunAsync(string[] args)
    {
        int rows = 1_000_000, repeat = 3;
        string outDir = Path.Combine(Path.GetTempPath(), "amber-bench-parquet");
        var codec = CompressionMethod.Snappy;
        bool pipeline = true;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--rows": rows = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--out": outDir = args[++i]; break;
                case "--repeat": repeat = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--codec":
                    codec = args[++i] switch
                    {
                        "snappy" => CompressionMethod.Snappy,
                        "gzip" => CompressionMethod.Gzip,
                        "zstd" => CompressionMethod.Zstd,
                        "none" => CompressionMethod.None,
                        var other => throw new ArgumentException($"--codec {other}: expected snappy, gzip, zstd or none"),
                    };
                    break;
                case "--no-pipeline": pipeline = false; break;
                default:
                    Console.Error.WriteLine($"parquet benchmark: unknown option '{args[i]}' (options: --rows N, --out DIR, --repeat K, --codec snappy|gzip|zstd|none, --no-pipeline)");
                    return 2;
            }
        }
        Directory.CreateDirectory(outDir);
        var table = PredictionTable(rows);
        var run = new RunIdentity("bench", "trial-0", 1, 42);
        var path = Path.Combine(outDir, "ours.parquet");
        var options = new ResultsParquetOptions { Compression = codec, PipelineRowGroups = pipeline };
        double best = double.MaxValue;
        string gcs = "";
        for (int k = 0; k < repeat; k++)
        {
            GC.Collect();
            int gen0 = GC.CollectionCount(0), gen2 = GC.CollectionCount(2);
            var sw = Stopwatch.StartNew();
            await ResultsWriter.WritePredictionsFileAsync(path, run, table, new ResultsMetadata("{\"bench\":true}"), options);
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
            gcs = FormattableString.Invariant($"gc0={GC.CollectionCount(0) - gen0} gc2={GC.CollectionCount(2) - gen2}");
        }
        long bytes = new FileInfo(path).Length;
        Console.WriteLine(FormattableString.Invariant(
            $"ours: rows={rows} codec={codec.ToString().ToUpperInvariant()} pipeline={pipeline} seconds={best:F3} rows_per_s={rows / best:F0} mb_per_s={bytes / 1e6 / best:F1} file_mb={bytes / 1e6:F1} {gcs} path={path}"));
        return 0;
    }

    /// <summary>An IEMOCAP-shaped predictions table: 10 speakers in 5 sessions, four-class distributions, both experts.</summary>
    private static List<PredictionRow> PredictionTable(int rows)
    {
        var rng = new Random(2026);
        string[] levels = ["low", "medium", "high"];
        string[] sources = ["human", "synthetic", "combined"];
        var classes = ResultsMetadata.DefaultClasses;
        var sessions = Enumerable.Range(1, 5).Select(s => $"Session{s}").ToArray();
        var speakers = Enumerable.Range(1, 5).SelectMany(s => new[] { $"Ses0{s}_F", $"Ses0{s}_M" }).ToArray();
        float[] Distribution()
        {
            var d = new float[4];
            float sum = 0;
            for (int k = 0; k < 4; k++) sum += d[k] = (float)rng.NextDouble() + 1e-3f;
            for (int k = 0; k < 4; k++) d[k] /= sum;
            return d;
        }
        var table = new List<PredictionRow>(rows);
        for (int i = 0; i < rows; i++)
        {
            int s = rng.Next(5), g = rng.Next(2);
            var pred = Distribution();
            int arg = 0;
            for (int k = 1; k < 4; k++) if (pred[k] > pred[arg]) arg = k;
            table.Add(new PredictionRow(
                $"Ses0{s + 1}{(g == 0 ? 'F' : 'M')}_impro0{rng.Next(1, 9)}_{(g == 0 ? 'F' : 'M')}{i:D7}",
                sessions[s], speakers[2 * s + g], g == 0 ? "F" : "M",
                Distribution(), pred, Distribution(), Distribution(),
                rng.Next(10) == 0 ? null : classes[rng.Next(4)], classes[arg], levels[rng.Next(3)], (float)rng.NextDouble(), sources[rng.Next(3)]));
        }
        return table;
    }
}
