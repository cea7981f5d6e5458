using System.Globalization;
using Amber.Storage.Blobs;
using global::Parquet;
using global::Parquet.Schema;

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
            t.NDouble("mean", r), t.NDouble("std", r), t.NDouble("pooled", r), t.Int("n_folds", r), t.Int("n_runs", r),
            // Files written before the comparison columns existed have none: no comparison.
            t.Has("baseline") && t.Str("baseline", r) is { } baseline
                ? new BaselineComparison(baseline, t.NInt("n_pairs", r) ?? 0, t.NDouble("diff_mean", r) ?? double.NaN,
                    t.NDouble("diff_ci_low", r) ?? double.NaN, t.NDouble("diff_ci_high", r) ?? double.NaN, t.NDouble("p_paired_t", r), t.NDouble("p_wilcoxon", r))
                : null)), cancellationToken);

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
            // Parquet readers seek (the footer is at the end): the blob is copied to a local file first, streamed.
            await using (var download = await store.GetAsync(blobName, ct).ConfigureAwait(false))
            {
                if (download is null) return null;
                await using var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
                await download.Content.CopyToAsync(file, ct).ConfigureAwait(false);
            }
            ParquetReader reader;
            try
            {
                reader = await ParquetReader.CreateAsync(temp, cancellationToken: ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or ParquetException or InvalidDataException)
            {
                throw new InvalidDataException($"{blobName}: not a readable Parquet file ({e.Message})", e);
            }
            await using (reader.ConfigureAwait(false))
            {
                var kv = reader.CustomMetadata ?? new Dictionary<string, string>();
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

                var t = await Table.ReadAsync(blobName, reader, classes, ct).ConfigureAwait(false);
                RunIdentity? run = table != "summary" && t.Count > 0 ? new RunIdentity(t.Str("sweep", 0)!, t.Str("trial", 0)!, t.Int("fold", 0), t.Int("seed", 0)) : null;
                return new ResultsFile<TRow>(blobName, version, run, map(t), metadata);
            }
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>Typed, checked access to a file's columns by name: every column read in full, row group by row group.</summary>
    private sealed class Table
    {
        private readonly string _file;
        private readonly IReadOnlyList<string> _classes;
        private readonly Dictionary<string, (DataField Field, Array Values)> _byName;

        private Table(string file, IReadOnlyList<string> classes, Dictionary<string, (DataField, Array)> byName, int count)
        {
            _file = file;
            _classes = classes;
            _byName = byName;
            Count = count;
        }

        public int Count { get; }

        public static async Task<Table> ReadAsync(string file, ParquetReader reader, IReadOnlyList<string> classes, CancellationToken ct)
        {
            var groups = new List<ParquetRowGroupReader>();
            try
            {
                for (int g = 0; g < reader.RowGroupCount; g++) groups.Add(reader.OpenRowGroupReader(g));
                long total = groups.Sum(g => g.RowCount);
                if (total > Array.MaxLength) throw new InvalidDataException($"{file}: {total} rows do not fit in memory as one table");
                var byName = new Dictionary<string, (DataField, Array)>(StringComparer.Ordinal);
                foreach (var field in reader.Schema.DataFields)
                {
                    if (field.MaxRepetitionLevel > 0) continue; // nested columns are not part of any results table
                    var values = await ReadColumnAsync(field, groups, (int)total, ct).ConfigureAwait(false);
                    if (values is not null) byName[field.Name] = (field, values);
                }
                return new Table(file, classes, byName, (int)total);
            }
            finally
            {
                foreach (var g in groups) g.Dispose();
            }
        }

        private static async Task<Array?> ReadColumnAsync(DataField field, List<ParquetRowGroupReader> groups, int total, CancellationToken ct)
        {
            var type = field.ClrType;
            if (type == typeof(string) || type == typeof(ReadOnlyMemory<char>))
            {
                var values = new string?[total];
                int at = 0;
                foreach (var g in groups)
                {
                    await g.ReadAsync(field, values.AsMemory(at, (int)g.RowCount)!, null, ct).ConfigureAwait(false);
                    at += (int)g.RowCount;
                }
                return values;
            }
            if (type == typeof(int)) return await ReadValuesAsync<int>(field, groups, total, ct).ConfigureAwait(false);
            if (type == typeof(float)) return await ReadValuesAsync<float>(field, groups, total, ct).ConfigureAwait(false);
            if (type == typeof(double)) return await ReadValuesAsync<double>(field, groups, total, ct).ConfigureAwait(false);
            if (type == typeof(bool)) return await ReadValuesAsync<bool>(field, groups, total, ct).ConfigureAwait(false);
            if (type == typeof(DateTime)) return await ReadValuesAsync<DateTime>(field, groups, total, ct).ConfigureAwait(false);
            return null; // a column type no results table uses: reported by name if a table asks for it
        }

        private static async Task<Array> ReadValuesAsync<T>(DataField field, List<ParquetRowGroupReader> groups, int total, CancellationToken ct) where T : struct
        {
            int at = 0;
            if (field.IsNullable)
            {
                var nullable = new T?[total];
                foreach (var g in groups)
                {
                    await g.ReadAsync<T>(field, nullable.AsMemory(at, (int)g.RowCount), null, ct).ConfigureAwait(false);
                    at += (int)g.RowCount;
                }
                return nullable;
            }
            var values = new T[total];
            foreach (var g in groups)
            {
                await g.ReadAsync<T>(field, values.AsMemory(at, (int)g.RowCount), null, ct).ConfigureAwait(false);
                at += (int)g.RowCount;
            }
            return values;
        }

        public string? Str(string name, int row) => ((string?[])Get(name, "STRING", typeof(string?[])))[row];

        public int Int(string name, int row) => Required<int>(name, "INT32", row);

        public int? NInt(string name, int row) => Optional<int>(name, "INT32", row);

        public bool Has(string name) => _byName.ContainsKey(name);

        public bool Bool(string name, int row) => Required<bool>(name, "BOOLEAN", row);

        public float Float(string name, int row) => Required<float>(name, "FLOAT", row);

        public double? NDouble(string name, int row) => Optional<double>(name, "DOUBLE", row);

        public DateTimeOffset Time(string name, int row)
        {
            var t = Required<DateTime>(name, "TIMESTAMP", row);
            return new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc));
        }

        public float[]? Distribution(int group, int row)
        {
            var prefix = ResultsTables.DistributionPrefixes[group];
            if (Optional<float>(prefix + _classes[0], "FLOAT", row) is null) return null;
            var d = new float[_classes.Count];
            for (int k = 0; k < d.Length; k++) d[k] = Float(prefix + _classes[k], row);
            return d;
        }

        private T Required<T>(string name, string type, int row) where T : struct =>
            Optional<T>(name, type, row) ?? throw new InvalidDataException($"{_file}: column '{name}' is null in row {row}, expected a value");

        private T? Optional<T>(string name, string type, int row) where T : struct =>
            Get(name, type, typeof(T[]), typeof(T?[])) switch
            {
                T[] values => values[row],
                T?[] nullable => nullable[row],
                _ => throw new InvalidOperationException("unreachable: Get checked the array type"),
            };

        private Array Get(string name, string type, params Type[] arrayTypes)
        {
            if (!_byName.TryGetValue(name, out var c))
                throw new InvalidDataException($"{_file}: column '{name}' is missing or of an unsupported type (columns: {string.Join(", ", _byName.Keys)})");
            if (!arrayTypes.Contains(c.Values.GetType()))
                throw new InvalidDataException($"{_file}: column '{name}' is {Describe(c.Field)}, expected {type}");
            return c.Values;
        }

        private static string Describe(DataField field) =>
            (field.ClrType == typeof(ReadOnlyMemory<char>) ? "STRING" : field.SchemaElement?.Type?.ToString() ?? field.ClrType.Name) + (field.IsNullable ? " (optional)" : "");
    }
}
