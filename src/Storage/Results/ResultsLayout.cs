namespace Amber.Storage.Results;

/// <summary>Where a sweep's results live in the blob store, and the footer keys every results file carries.</summary>
public static class ResultsLayout
{
    /// <summary>Version of the results schema written by this code; readers refuse newer files.</summary>
    public const int SchemaVersion = 1;

    /// <summary>Footer key: schema version (decimal).</summary>
    public const string SchemaVersionKey = "amber.schema_version";

    /// <summary>Footer key: which table (metrics, predictions, curves, summary).</summary>
    public const string TableKey = "amber.table";

    /// <summary>Footer key: class names, comma-separated, in distribution order.</summary>
    public const string ClassesKey = "amber.classes";

    /// <summary>Footer key: the configuration JSON.</summary>
    public const string ConfigKey = "amber.config";

    /// <summary>Content type stored with results blobs.</summary>
    public const string ContentType = "application/vnd.apache.parquet";

    /// <summary><c>results/&lt;sweep&gt;/&lt;trial&gt;/&lt;fold&gt;-&lt;seed&gt;</c>.</summary>
    public static string RunPrefix(RunIdentity run) => RunPrefix(run.Sweep, run.Trial, run.Fold, run.Seed);

    /// <summary><c>results/&lt;sweep&gt;/&lt;trial&gt;/&lt;fold&gt;-&lt;seed&gt;</c>.</summary>
    public static string RunPrefix(string sweep, string trial, int fold, int seed)
    {
        Segment(sweep, "sweep");
        Segment(trial, "trial");
        return FormattableString.Invariant($"results/{sweep}/{trial}/{fold}-{seed}");
    }

    /// <summary>The run's metrics file.</summary>
    public static string Metrics(string runPrefix) => runPrefix.TrimEnd('/') + "/metrics.parquet";

    /// <summary>The run's predictions file.</summary>
    public static string Predictions(string runPrefix) => runPrefix.TrimEnd('/') + "/predictions.parquet";

    /// <summary>The run's learning curves file.</summary>
    public static string Curves(string runPrefix) => runPrefix.TrimEnd('/') + "/curves.parquet";

    /// <summary>The sweep summary file.</summary>
    public static string Summary(string sweep) => $"results/{Segment(sweep, "sweep")}/summary.parquet";

    private static string Segment(string value, string what)
    {
        if (string.IsNullOrEmpty(value) || value.Contains('/', StringComparison.Ordinal) || value is "." or ".." || value.Any(char.IsControl))
            throw new ArgumentException($"{what} id '{value}' cannot be a path segment: it must be non-empty, without '/', control characters, '.' or '..'", what);
        return value;
    }
}
