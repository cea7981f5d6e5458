using System.Globalization;
using Amber.Storage.Blobs;
using global::Parquet.Schema;

namespace Amber.Storage.Results;

/// <summary>How a results file is written.</summary>
/// <param name="Condition">Blob precondition, e.g. <see cref="BlobCondition.IfNotExists"/> so an attempt never overwrites
/// another attempt's committed results.</param>
/// <param name="Parquet">Parquet options (codec, row group size); default SNAPPY, 122,880 rows per row group.</param>
public sealed record ResultsWriteOptions(BlobCondition? Condition = null, ResultsParquetOptions? Parquet = null);

/// <summary>
/// Writes the results tables of a run and a sweep as Parquet blobs (schema in docs/results.md) with Parquet.Net. Rows
/// stream into a temporary local file one row group at a time (memory bounded by two row groups), which is then uploaded
/// in one atomic blob write: a results blob is complete or absent.
/// </summary>
public static class ResultsWriter
{
    /// <summary>Writes <c>&lt;runPrefix&gt;/metrics.parquet</c>.</summary>
    public static Task<BlobProperties> WriteMetricsAsync(IBlobStore store, string runPrefix, RunIdentity run, IEnumerable<MetricRow> rows,
        ResultsMetadata? metadata = null, ResultsWriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        metadata ??= new ResultsMetadata();
        return WriteAsync(store, ResultsLayout.Metrics(runPrefix), "metrics", ResultsTables.Metrics(), metadata, options, async (w, ct) =>
        {
            var c = new RunColumns(w);
            var metric = w.Column<StringColumn>("metric");
            var level = w.Column<StringColumn>("level");
            var split = w.Column<StringColumn>("split");
            var value = w.Column<NullableColumn<double>>("value");
            var n = w.Column<ValueColumn<int>>("n");
            foreach (var r in rows)
            {
                c.Add(run);
                metric.Add(Required(r.Metric, "metric", w.RowCount));
                level.Add(Level(r.Level, w.RowCount));
                split.Add(Required(r.Split, "split", w.RowCount));
                value.Add(r.Value);
                n.Add(r.Count);
                await w.EndRowAsync(ct).ConfigureAwait(false);
            }
        }, cancellationToken);
    }

    /// <summary>Writes <c>&lt;runPrefix&gt;/predictions.parquet</c>; distributions become flat FLOAT columns per class.</summary>
    public static Task<BlobProperties> WritePredictionsAsync(IBlobStore store, string runPrefix, RunIdentity run, IEnumerable<PredictionRow> rows,
        ResultsMetadata? metadata = null, ResultsWriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        metadata ??= new ResultsMetadata();
        return WriteAsync(store, ResultsLayout.Predictions(runPrefix), "predictions", ResultsTables.Predictions(metadata.EffectiveClasses), metadata, options,
            (w, ct) => FillPredictionsAsync(w, run, rows, metadata.EffectiveClasses, ct), cancellationToken);
    }

    /// <summary>
    /// Writes a predictions table to a local file (atomically: temporary name, then rename), e.g. for an export or the
    /// benchmark; the blob-store variant is <see cref="WritePredictionsAsync"/>.
    /// </summary>
    public static async Task WritePredictionsFileAsync(string path, RunIdentity run, IEnumerable<PredictionRow> rows, ResultsMetadata? metadata = null,
        ResultsParquetOptions? parquet = null, CancellationToken cancellationToken = default)
    {
        metadata ??= new ResultsMetadata();
        var classes = metadata.EffectiveClasses;
        await WriteFileAsync(path, ResultsTables.Predictions(classes), FooterMetadata(path, "predictions", metadata), parquet,
            (w, ct) => FillPredictionsAsync(w, run, rows, classes, ct), cancellationToken).ConfigureAwait(false);
    }

    private static async Task FillPredictionsAsync(ResultsTableWriter w, RunIdentity run, IEnumerable<PredictionRow> rows, IReadOnlyList<string> classes, CancellationToken ct)
    {
        var c = new RunColumns(w);
        var id = w.Column<StringColumn>("utterance_id");
        var session = w.Column<StringColumn>("session");
        var speaker = w.Column<StringColumn>("speaker");
        var gender = w.Column<StringColumn>("gender");
        var required = Enumerable.Range(0, 2).Select(g => classes.Select(k => w.Column<ValueColumn<float>>(ResultsTables.DistributionPrefixes[g] + k)).ToArray()).ToArray();
        var optional = Enumerable.Range(2, 2).Select(g => classes.Select(k => w.Column<NullableColumn<float>>(ResultsTables.DistributionPrefixes[g] + k)).ToArray()).ToArray();
        var refLabel = w.Column<StringColumn>("reference_label");
        var predLabel = w.Column<StringColumn>("predicted_label");
        var level = w.Column<StringColumn>("ambiguity_level");
        var entropy = w.Column<ValueColumn<float>>("normalized_entropy");
        var source = w.Column<StringColumn>("label_source");
        foreach (var r in rows)
        {
            long row = w.RowCount;
            c.Add(run);
            id.Add(Required(r.UtteranceId, "utterance_id", row));
            session.Add(Required(r.Session, "session", row));
            speaker.Add(Required(r.Speaker, "speaker", row));
            gender.Add(r.Gender is "F" or "M" or "U" ? r.Gender : throw Bad(row, r.UtteranceId, "gender", r.Gender, "F, M or U"));
            for (int g = 0; g < 4; g++)
            {
                var d = g switch { 0 => r.Reference, 1 => r.Predicted, 2 => r.ExpertSpeech, _ => r.ExpertText };
                if (d is null)
                {
                    if (g < 2) throw Bad(row, r.UtteranceId, ResultsTables.DistributionPrefixes[g] + "*", "null", $"{classes.Count} probabilities");
                    foreach (var col in optional[g - 2]) col.AddNull();
                    continue;
                }
                if (d.Length != classes.Count)
                    throw Bad(row, r.UtteranceId, ResultsTables.DistributionPrefixes[g] + "*", $"{d.Length} values", $"{classes.Count} probabilities ({string.Join(", ", classes)})");
                if (g < 2)
                    for (int k = 0; k < d.Length; k++) required[g][k].Add(d[k]);
                else
                    for (int k = 0; k < d.Length; k++) optional[g - 2][k].Add(d[k]);
            }
            refLabel.Add(r.ReferenceLabel);
            predLabel.Add(Required(r.PredictedLabel, "predicted_label", row));
            level.Add(Level(r.AmbiguityLevel, row, allowAll: false));
            entropy.Add(r.NormalizedEntropy);
            source.Add(Required(r.LabelSource, "label_source", row));
            await w.EndRowAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>Writes <c>&lt;runPrefix&gt;/curves.parquet</c>.</summary>
    public static Task<BlobProperties> WriteCurvesAsync(IBlobStore store, string runPrefix, RunIdentity run, IEnumerable<CurveRow> rows,
        ResultsMetadata? metadata = null, ResultsWriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        metadata ??= new ResultsMetadata();
        return WriteAsync(store, ResultsLayout.Curves(runPrefix), "curves", ResultsTables.Curves(), metadata, options, async (w, ct) =>
        {
            var c = new RunColumns(w);
            var epoch = w.Column<ValueColumn<int>>("epoch");
            var trainLoss = w.Column<ValueColumn<double>>("train_loss");
            var validation = new[] { "val_loss", "val_js", "val_bc", "val_accuracy" }.Select(w.Column<NullableColumn<double>>).ToArray();
            var learningRate = w.Column<ValueColumn<double>>("learning_rate");
            var elapsed = w.Column<ValueColumn<double>>("elapsed_seconds");
            var best = w.Column<ValueColumn<bool>>("is_best");
            var time = w.Column<TimestampColumn>("timestamp");
            foreach (var r in rows)
            {
                c.Add(run);
                epoch.Add(r.Epoch);
                trainLoss.Add(r.TrainLoss);
                validation[0].Add(r.ValidationLoss);
                validation[1].Add(r.ValidationJs);
                validation[2].Add(r.ValidationBc);
                validation[3].Add(r.ValidationAccuracy);
                learningRate.Add(r.LearningRate);
                elapsed.Add(r.ElapsedSeconds);
                best.Add(r.IsBest);
                time.Add(r.Timestamp);
                await w.EndRowAsync(ct).ConfigureAwait(false);
            }
        }, cancellationToken);
    }

    /// <summary>Writes <c>results/&lt;sweep&gt;/summary.parquet</c>.</summary>
    public static Task<BlobProperties> WriteSummaryAsync(IBlobStore store, string sweep, IEnumerable<SummaryRow> rows,
        ResultsMetadata? metadata = null, ResultsWriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        metadata ??= new ResultsMetadata();
        return WriteAsync(store, ResultsLayout.Summary(sweep), "summary", ResultsTables.Summary(), metadata, options, async (w, ct) =>
        {
            var sweepCol = w.Column<StringColumn>("sweep");
            var s = new[] { "trial", "metric", "level", "split" }.Select(w.Column<StringColumn>).ToArray();
            var d = new[] { "mean", "std", "pooled" }.Select(w.Column<NullableColumn<double>>).ToArray();
            var folds = w.Column<ValueColumn<int>>("n_folds");
            var runs = w.Column<ValueColumn<int>>("n_runs");
            var baseline = w.Column<StringColumn>("baseline");
            var pairs = w.Column<NullableColumn<int>>("n_pairs");
            var c = new[] { "diff_mean", "diff_ci_low", "diff_ci_high", "p_paired_t", "p_wilcoxon" }.Select(w.Column<NullableColumn<double>>).ToArray();
            foreach (var r in rows)
            {
                long row = w.RowCount;
                sweepCol.Add(sweep);
                s[0].Add(Required(r.Trial, "trial", row));
                s[1].Add(Required(r.Metric, "metric", row));
                s[2].Add(Level(r.Level, row));
                s[3].Add(Required(r.Split, "split", row));
                d[0].Add(r.Mean);
                d[1].Add(r.Std);
                d[2].Add(r.Pooled);
                folds.Add(r.Folds);
                runs.Add(r.Runs);
                var v = r.VsBaseline;
                baseline.Add(v?.Baseline);
                pairs.Add(v?.Pairs);
                c[0].Add(v?.MeanDifference);
                c[1].Add(v?.CiLow);
                c[2].Add(v?.CiHigh);
                c[3].Add(v?.PairedTP);
                c[4].Add(v?.WilcoxonP);
                await w.EndRowAsync(ct).ConfigureAwait(false);
            }
        }, cancellationToken);
    }

    private static async Task<BlobProperties> WriteAsync(IBlobStore store, string blobName, string table, ParquetSchema schema, ResultsMetadata metadata,
        ResultsWriteOptions? options, Func<ResultsTableWriter, CancellationToken, Task> fill, CancellationToken cancellationToken)
    {
        var footer = FooterMetadata(blobName, table, metadata);
        var temp = Path.Combine(Path.GetTempPath(), $"amber-results-{Guid.NewGuid():N}.parquet");
        try
        {
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.Asynchronous | FileOptions.DeleteOnClose))
            {
                await FillAsync(file, schema, footer, options?.Parquet, fill, blobName, cancellationToken).ConfigureAwait(false);
                file.Position = 0;
                var blobMetadata = new Dictionary<string, string>
                {
                    ["schemaVersion"] = ResultsLayout.SchemaVersion.ToString(CultureInfo.InvariantCulture),
                    ["table"] = table,
                };
                // The upload is the commit: the blob appears whole (and only if the condition holds) or not at all.
                return await store.PutAsync(blobName, file, new BlobPutOptions(ResultsLayout.ContentType, blobMetadata, options?.Condition), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>Writes a table to a local file under a hidden temporary name and renames it when complete.</summary>
    private static async Task WriteFileAsync(string path, ParquetSchema schema, IReadOnlyList<KeyValuePair<string, string>> footer, ResultsParquetOptions? parquet,
        Func<ResultsTableWriter, CancellationToken, Task> fill, CancellationToken cancellationToken)
    {
        var full = Path.GetFullPath(path);
        var temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                await FillAsync(file, schema, footer, parquet, fill, path, cancellationToken).ConfigureAwait(false);
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private static async Task FillAsync(Stream output, ParquetSchema schema, IReadOnlyList<KeyValuePair<string, string>> footer, ResultsParquetOptions? parquet,
        Func<ResultsTableWriter, CancellationToken, Task> fill, string name, CancellationToken cancellationToken)
    {
        var writer = await ResultsTableWriter.CreateAsync(output, schema, parquet, footer, cancellationToken).ConfigureAwait(false);
        await using (writer.ConfigureAwait(false))
        {
            try
            {
                await fill(writer, cancellationToken).ConfigureAwait(false);
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"{name}: {e.Message}", e);
            }
            await writer.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static List<KeyValuePair<string, string>> FooterMetadata(string file, string table, ResultsMetadata metadata)
    {
        var classes = metadata.EffectiveClasses;
        if (classes.Count == 0 || classes.Any(k => string.IsNullOrEmpty(k) || k.Contains(',', StringComparison.Ordinal)))
            throw new ArgumentException($"{file}: class names must be non-empty and without commas; got [{string.Join(", ", classes)}]", nameof(metadata));
        var kv = new List<KeyValuePair<string, string>>
        {
            new(ResultsLayout.SchemaVersionKey, ResultsLayout.SchemaVersion.ToString(CultureInfo.InvariantCulture)),
            new(ResultsLayout.TableKey, table),
            new(ResultsLayout.ClassesKey, string.Join(",", classes)),
        };
        if (metadata.ConfigJson is not null) kv.Add(new(ResultsLayout.ConfigKey, metadata.ConfigJson));
        if (metadata.Extra is not null)
            foreach (var (key, value) in metadata.Extra)
            {
                if (kv.Any(p => p.Key == key))
                    throw new ArgumentException($"{file}: footer key '{key}' is written by the results writer itself; extra metadata cannot set it", nameof(metadata));
                kv.Add(new(key, value));
            }
        return kv;
    }

    private static string Required(string? value, string field, long row) =>
        string.IsNullOrEmpty(value) ? throw new ArgumentException($"row {row}, field '{field}': value is empty; a non-empty string is required") : value;

    private static string Level(string level, long row, bool allowAll = true) =>
        level is "low" or "medium" or "high" || (allowAll && level == "all") ? level
            : throw new ArgumentException($"row {row}, field 'level': '{level}' is not {(allowAll ? "all, " : "")}low, medium or high");

    private static ArgumentException Bad(long row, string? id, string field, string? value, string expected) =>
        new($"row {row} (utterance '{id}'), field '{field}': got {value ?? "null"}, expected {expected}");

    /// <summary>The four identity columns every run-level table starts with.</summary>
    private sealed class RunColumns(ResultsTableWriter w)
    {
        private readonly StringColumn _sweep = w.Column<StringColumn>("sweep");
        private readonly StringColumn _trial = w.Column<StringColumn>("trial");
        private readonly ValueColumn<int> _fold = w.Column<ValueColumn<int>>("fold");
        private readonly ValueColumn<int> _seed = w.Column<ValueColumn<int>>("seed");

        public void Add(RunIdentity run)
        {
            _sweep.Add(run.Sweep);
            _trial.Add(run.Trial);
            _fold.Add(run.Fold);
            _seed.Add(run.Seed);
        }
    }
}
