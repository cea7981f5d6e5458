using System.Globalization;
using Amber.Storage.Blobs;
using Amber.Storage.Parquet.Reading;
using Amber.Storage.Parquet.Schema;

namespace Amber.Storage.Results;

/// <summary>Reads results tables back (for the dashboard and <c>amber sweep results</c>); checks table kind, schema version and columns.</summary>
public static class ResultsReader
{
    /// <summary>Reads <c>&lt;runPrefix&gt;/metrics.parquet</c>, or null when the run has not written it.</summary>
    public static Task<ResultsFile<MetricRow>?> ReadMetricsAsync(IBlobStore store, string runPrefix, CancellationToken cancellationToken = default) =>
        ReadAsync(store, ResultsLayout.Metrics(runPrefix), "metrics", t => Rows(t.Count, r => new MetricRow(
            t.Str("metric", r)!, t.Str("level", r)!, t.Str("split", r)!, t.NDouble("value", r), t.Int("n", r))), cancellationToken);

    /// <summary>Reads <c>&lt;runPrefix&gt;/predictions.parquet</c>, or null.</summary>
    public static Task<ResultsFile<PredictionRow>?> ReadPredictionsAsync(IBlobStore store, string runPrefix, CancellationToken cancellationToken = default) =>
        ReadAsync(store, ResultsLayout.Predictions(runPrefix), "predictions", t => Rows(t.Count, r => new PredictionRow(
            t.Str("utterance_id", r)!, t.Str("session", r)!, t.Str("speaker", r)!, t.Str("gender", r)!,
            t.Distribution(0, r)!, t.Distribution(1, r)!, t.Distribution(2, r), t.Distribution(3, r),
            t.Str("reference_label", r), t.Str("predicted_label", r)!, t.Str("ambiguity_level", r)!,
            t.Float("normalized_entropy", r), t.Str("label_source", r)!)), cancellationToken);

    /// <summary>Reads <c>&lt;runPrefix&gt;/curves.parquet</c>, or null.</summary>
    public static Task<ResultsFile<CurveRow>?> ReadCurvesAsync(IBlobStore store, string runPrefix, CancellationToken cancellationToken = default) =>
        ReadAsync(store, ResultsLayout.Curves(runPrefix), "curves", t => Rows(t.Count, r => new CurveRow(
            t.Int("epoch", r), t.NDouble("train_loss", r)!.Value, t.NDouble("val_loss", r), t.NDouble("val_js", r), t.NDouble("val_bc", r),
            t.NDouble("val_accuracy", r), t.NDouble("learning_rate", r)!.Value, t.NDouble("elapsed_seconds", r)!.Value,
            t.Bool("is_best", r), t.Time("timestamp", r))), cancellationToken);

    /// <summary>Reads <c>results/&lt;sweep&gt;/summary.parquet</c>, or null.</summary>
    public static Task<ResultsFile<SummaryRow>?> ReadSummaryAsync(IBlobStore store, string sweep, CancellationToken cancellationToken = default) =>
        ReadAsync(store, ResultsLayout.Summary(sweep), "summary", t => Rows(t.Count, r => new SummaryRow(
            t.Str("trial", r)!, t.Str("metric", r)!, t.Str("level", r)!, t.Str("split", r)!,
            t.NDouble("mean", r), t.NDouble("std", r), t.NDouble("pooled", r), t.Int("n_folds", r), t.Int("n_runs", r))), cancellationToken);

    /// <summary>Run prefixes (<c>results/&lt;sweep&gt;/&lt;trial&gt;/&lt;fold&gt;-&lt;seed&gt;</c>) of a sweep that have a metrics file.</summary>
    public static async Task<IReadOnlyList<string>> ListRunsAsync(IBlobStore store, string sweep, CancellationToken cancellationToken = default)
    {
        var prefix = ResultsLayout.Summary(sweep)[..^"summary.parquet".Length];
        var runs = new List<string>();
        await foreach (var blob in store.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
            if (blob.Name.EndsWith("/metrics.parquet", StringComparison.Ordinal)) runs.Add(blob.Name[..^"/metrics.parquet".Length]);
        return runs;
    }

    private static List<T> Rows<T>(int count, Func<int, T> row)
    {
        var list = new List<T>(count);
        for (int r = 0; r < count; r++) list.Add(row(r));
        return list;
    }

    private static async Task<ResultsFile<TRow>?> ReadAsync<TRow>(IBlobStore store, string blobName, string table, Func<Table, List<TRow>> map, CancellationToken ct)
    {
        var temp = Path.Combine(Path.GetTempPath(), $"amber-results-{Guid.NewGuid():N}.parquet");
        try
        {
            await using (var download = await store.GetAsync(blobName, ct).ConfigureAwait(false))
            {
                if (download is null) return null;
                await using var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
                await download.Content.CopyToAsync(file, ct).ConfigureAwait(false);
            }
            using var reader = new ParquetFileReader(new FileStream(temp, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16), blobName, ownsStream: true);
            var kv = reader.KeyValueMetadata;
            if (!kv.TryGetValue(ResultsLayout.TableKey, out var kind) || kind != table)
                throw new InvalidDataException($"{blobName}: footer key {ResultsLayout.TableKey} is '{kind ?? "(missing)"}', expected '{table}'");
            if (!kv.TryGetValue(ResultsLayout.SchemaVersionKey, out var v) || !int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out int version))
                throw new InvalidDataException($"{blobName}: footer key {ResultsLayout.SchemaVersionKey} is '{v ?? "(missing)"}', expected an integer");
            if (version > ResultsLayout.SchemaVersion)
                throw new InvalidDataException($"{blobName}: results schema version {version} is newer than this reader's {ResultsLayout.SchemaVersion}; upgrade amber");
            IReadOnlyList<string> classes = kv.TryGetValue(ResultsLayout.ClassesKey, out var cls) ? cls.Split(',') : ResultsMetadata.DefaultClasses;
            var extra = kv.Where(p => p.Key is not (ResultsLayout.TableKey or ResultsLayout.SchemaVersionKey or ResultsLayout.ClassesKey or ResultsLayout.ConfigKey))
                .ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
            var metadata = new ResultsMetadata(kv.GetValueOrDefault(ResultsLayout.ConfigKey), classes, extra);

            var t = new Table(blobName, reader.Schema, reader.RowCount > 0 ? reader.ReadAll() : [], classes);
            RunIdentity? run = table != "summary" && t.Count > 0 ? new RunIdentity(t.Str("sweep", 0)!, t.Str("trial", 0)!, t.Int("fold", 0), t.Int("seed", 0)) : null;
            return new ResultsFile<TRow>(blobName, version, run, map(t), metadata);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>Typed, checked access to a file's columns by name.</summary>
    private sealed class Table(string file, ParquetSchema schema, IReadOnlyList<ColumnData> columns, IReadOnlyList<string> classes)
    {
        private readonly Dictionary<string, ColumnData> _byName = columns.Count == 0 ? [] : schema.Columns.Select((c, i) => (c.Name, columns[i])).ToDictionary(p => p.Name, p => p.Item2, StringComparer.Ordinal);

        public int Count => columns.Count == 0 ? 0 : columns[0].Count;

        public string? Str(string name, int row) => Get(name, ParquetType.String) is var c && c.IsNull(row) ? null : ((string[])c.Values)[row];

        public int Int(string name, int row) => ((int[])Get(name, ParquetType.Int32).Values)[row];

        public bool Bool(string name, int row) => ((bool[])Get(name, ParquetType.Boolean).Values)[row];

        public float Float(string name, int row) => ((float[])Get(name, ParquetType.Float).Values)[row];

        public double? NDouble(string name, int row) => Get(name, ParquetType.Double) is var c && c.IsNull(row) ? null : ((double[])c.Values)[row];

        public DateTimeOffset Time(string name, int row) => DateTimeOffset.UnixEpoch.AddTicks(((long[])Get(name, ParquetType.TimestampMicrosUtc).Values)[row] * 10);

        public float[]? Distribution(int group, int row)
        {
            var prefix = ResultsTables.DistributionPrefixes[group];
            var first = Get(prefix + classes[0], ParquetType.Float);
            if (first.IsNull(row)) return null;
            var d = new float[classes.Count];
            for (int k = 0; k < d.Length; k++) d[k] = Float(prefix + classes[k], row);
            return d;
        }

        private ColumnData Get(string name, ParquetType type)
        {
            if (!_byName.TryGetValue(name, out var c))
                throw new InvalidDataException($"{file}: column '{name}' is missing (columns: {string.Join(", ", schema.Columns.Select(x => x.Name))})");
            if (c.Column.Type != type)
                throw new InvalidDataException($"{file}: column '{name}' is {c.Column.Type}, expected {type}");
            return c;
        }
    }
}
